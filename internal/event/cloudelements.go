package event

import (
	"strconv"
	"time"

	"github.com/revel-connect/revel-connect/internal/jsonstring"
)

// Instance identifies the poller the way a Cloud Elements instance did;
// consumers route and filter on these values.
type Instance struct {
	ID        int64
	Name      string
	Tags      []string
	AccountID int64
	CompanyID int64
	UserID    int64
}

// CloudElements encodes events as Cloud Elements event notifications, the
// body its polling service POSTed to callback URLs.
type CloudElements struct {
	elementKey []byte // JSON-quoted
	hubKey     []byte // JSON-quoted
	topic      []byte // JSON-quoted
	// messageHead is the constant start of "message" up to eventId, and
	// messageMid the constant part between eventId and raw.
	messageHead []byte
	messageMid  []byte
}

// notificationUser is the user Cloud Elements put on every notification;
// consumers written for it may check it.
const notificationUser = "notifications@cloud-elements.com"

// NewCloudElements prepares the constant parts of every notification.
func NewCloudElements(elementKey, hubKey string, inst Instance) *CloudElements {
	c := &CloudElements{
		elementKey: jsonstring.Append(nil, elementKey),
		hubKey:     jsonstring.Append(nil, hubKey),
		topic:      jsonstring.Append(nil, "instance-"+strconv.FormatInt(inst.ID, 10)+"-"+elementKey+"-events"),
	}
	h := []byte(`"message":{"elementKey":`)
	h = append(h, c.elementKey...)
	h = append(h, `,"accountId":`...)
	h = strconv.AppendInt(h, inst.AccountID, 10)
	h = append(h, `,"eventId":`...)
	c.messageHead = h

	m := []byte(`,"companyId":`)
	m = strconv.AppendInt(m, inst.CompanyID, 10)
	m = append(m, `,"instanceId":`...)
	m = strconv.AppendInt(m, inst.ID, 10)
	m = append(m, `,"instance_id":`...)
	m = strconv.AppendInt(m, inst.ID, 10)
	m = append(m, `,"instanceName":`...)
	m = jsonstring.Append(m, inst.Name)
	m = append(m, `,"instanceTags":[`...)
	for i, tag := range inst.Tags {
		if i > 0 {
			m = append(m, ',')
		}
		m = jsonstring.Append(m, tag)
	}
	m = append(m, `],"userId":`...)
	m = strconv.AppendInt(m, inst.UserID, 10)
	m = append(m, `,"raw":`...)
	c.messageMid = m
	return c
}

// Metadata implements Encoder: the revel_* keys only, as notifications have
// no binary mode.
func (c *CloudElements) Metadata(events []Event, set func(key string, value any)) {
	setRevelMetadata(&events[0], set)
}

// NotificationID is the id of a notification carrying events: the event's
// own id when there is one, so a redelivered notification keeps its id.
func NotificationID(events []Event) string {
	if len(events) == 1 {
		return events[0].ID
	}
	ids := make([]byte, 0, len(events)*33)
	for _, e := range events {
		ids = append(ids, e.ID...)
		ids = append(ids, ',')
	}
	return NewID(0, "notification", string(ids), "", "")
}

// Append implements Encoder: one notification carrying events, all of one
// objectType. The raw records are copied verbatim, never re-encoded.
func (c *CloudElements) Append(dst []byte, events []Event, pollDate, now time.Time) []byte {
	id := NotificationID(events)
	objectType := events[0].ObjectType

	dst = append(dst, `{"severity":"medium","createdDate":"`...)
	dst = now.UTC().AppendFormat(dst, "Mon Jan 02 15:04:05 MST 2006") // nothing in it needs escaping
	dst = append(dst, '"')
	dst = append(dst, `,"topic":`...)
	dst = append(dst, c.topic...)
	dst = append(dst, `,"action":"create","id":`...)
	dst = jsonstring.Append(dst, id)
	dst = append(dst, `,"user":"`+notificationUser+`",`...)
	dst = append(dst, c.messageHead...)
	dst = jsonstring.Append(dst, id)
	dst = append(dst, c.messageMid...)

	dst = append(dst, '{')
	dst = jsonstring.Append(dst, objectType)
	dst = append(dst, ":["...)
	for i, e := range events {
		if i > 0 {
			dst = append(dst, ',')
		}
		dst = append(dst, e.Raw...)
	}
	dst = append(dst, `],"objectType":`...)
	dst = jsonstring.Append(dst, objectType)
	dst = append(dst, `,"pollDate":`...)
	dst = strconv.AppendInt(dst, pollDate.UnixMilli(), 10)
	dst = append(dst, `},"events":[`...)

	var pollBuf [32]byte
	pollText := pollDate.UTC().Truncate(time.Second).AppendFormat(pollBuf[:0], time.RFC3339)
	for i := range events {
		e := &events[i]
		if i > 0 {
			dst = append(dst, ',')
		}
		dst = append(dst, `{"date":`...)
		dst = jsonstring.Append(dst, e.DateRFC3339())
		dst = append(dst, `,"elementKey":`...)
		dst = append(dst, c.elementKey...)
		dst = append(dst, `,"pollDate":"`...)
		dst = append(dst, pollText...)
		dst = append(dst, `","eventType":"`...)
		dst = append(dst, e.Type...)
		dst = append(dst, `","hubKey":`...)
		dst = append(dst, c.hubKey...)
		dst = append(dst, `,"objectId":`...)
		dst = jsonstring.Append(dst, e.ObjectID)
		dst = append(dst, `,"objectType":`...)
		dst = jsonstring.Append(dst, objectType)
		dst = append(dst, '}')
	}
	return append(dst, "]}}"...)
}
