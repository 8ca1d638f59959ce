package event

import (
	"strings"
	"time"

	"github.com/revel-connect/revel-connect/internal/jsonstring"
)

// Encoder writes one message carrying events of one objectType: its body
// and all of its metadata.
type Encoder interface {
	Append(dst []byte, events []Event, pollDate, now time.Time) []byte
	// Metadata calls set for every metadata key of a message of events:
	// the revel_* keys, which describe its first event, then those of the
	// format's binary mode, if it has one.
	Metadata(events []Event, set func(key string, value any))
}

// setRevelMetadata sets the revel_* keys every message carries, whatever its
// format, describing e.
func setRevelMetadata(e *Event, set func(key string, value any)) {
	set("revel_event_type", string(e.Type))
	set("revel_object_type", e.ObjectType)
	set("revel_object_id", e.ObjectID)
	set("revel_event_date", e.DateRFC3339())
	set("revel_event_id", e.ID)
}

// CloudEvents encodes each event as a structured-mode CloudEvents 1.0 JSON
// document with the record as data.
type CloudEvents struct {
	source []byte // JSON-quoted
	raw    string
}

// NewCloudEvents returns an encoder stamping source on every event.
func NewCloudEvents(source string) *CloudEvents {
	return &CloudEvents{source: jsonstring.Append(nil, source), raw: source}
}

// CloudEventType is the CloudEvents type of e:
// com.revelsystems.<objectType>.<created|updated|deleted>.
func CloudEventType(e Event) string {
	return "com.revelsystems." + e.ObjectType + "." + lowerType(e.Type)
}

// lowerType is strings.ToLower(t) without allocating for the three types.
func lowerType(t Type) string {
	switch t {
	case Created:
		return "created"
	case Updated:
		return "updated"
	case Deleted:
		return "deleted"
	}
	return strings.ToLower(string(t))
}

// Append implements Encoder; events holds exactly one event, as a
// structured CloudEvent carries one.
func (c *CloudEvents) Append(dst []byte, events []Event, _, _ time.Time) []byte {
	e := events[0]
	dst = append(dst, `{"specversion":"1.0","id":`...)
	dst = jsonstring.Append(dst, e.ID)
	dst = append(dst, `,"source":`...)
	dst = append(dst, c.source...)
	dst = append(dst, `,"type":"com.revelsystems.`...)
	dst = jsonstring.AppendEscaped(dst, e.ObjectType)
	dst = append(dst, '.')
	dst = jsonstring.AppendEscaped(dst, lowerType(e.Type))
	dst = append(dst, `","subject":`...)
	dst = jsonstring.Append(dst, e.ObjectID)
	dst = append(dst, `,"time":`...)
	dst = jsonstring.Append(dst, e.DateRFC3339())
	dst = append(dst, `,"datacontenttype":"application/json","data":`...)
	dst = append(dst, e.Raw...)
	return append(dst, '}')
}

// Metadata implements Encoder: the revel_* keys, then the context
// attributes twice, as ce_* (Kafka's binary-mode header names) and ce-*
// (HTTP's).
func (c *CloudEvents) Metadata(events []Event, set func(key string, value any)) {
	e := &events[0]
	setRevelMetadata(e, set)
	values := [len(attributeNames)]string{"1.0", e.ID, c.raw, CloudEventType(*e), e.ObjectID, e.DateRFC3339(), "application/json"}
	for i, v := range values {
		set(attributeNames[i][0], v)
		set(attributeNames[i][1], v)
	}
}

// attributeNames are the context attributes as Kafka (ce_) and HTTP (ce-)
// header names, in the order Metadata sets them.
var attributeNames = func() [7][2]string {
	var names [7][2]string
	for i, a := range []string{"specversion", "id", "source", "type", "subject", "time", "datacontenttype"} {
		names[i] = [2]string{"ce_" + a, "ce-" + a}
	}
	return names
}()
