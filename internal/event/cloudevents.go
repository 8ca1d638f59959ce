package event

import (
	"strings"
	"time"
)

// Encoder writes the body of one message carrying events of one objectType.
type Encoder interface {
	Append(dst []byte, events []Event, pollDate, now time.Time) []byte
	// Attributes are the metadata a message of these events carries so a
	// format's binary mode can be built from headers; nil when it has none.
	Attributes(events []Event) []Attribute
}

// Attribute is one metadata key and value.
type Attribute struct {
	Key, Value string
}

// CloudEvents encodes each event as a structured-mode CloudEvents 1.0 JSON
// document with the record as data.
type CloudEvents struct {
	source []byte // JSON-quoted
	raw    string
}

// NewCloudEvents returns an encoder stamping source on every event.
func NewCloudEvents(source string) *CloudEvents {
	return &CloudEvents{source: appendString(nil, source), raw: source}
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
	dst = appendString(dst, e.ID)
	dst = append(dst, `,"source":`...)
	dst = append(dst, c.source...)
	dst = append(dst, `,"type":"com.revelsystems.`...)
	dst = appendEscaped(dst, e.ObjectType)
	dst = append(dst, '.')
	dst = appendEscaped(dst, lowerType(e.Type))
	dst = append(dst, `","subject":`...)
	dst = appendString(dst, e.ObjectID)
	dst = append(dst, `,"time":`...)
	dst = appendString(dst, e.DateRFC3339())
	dst = append(dst, `,"datacontenttype":"application/json","data":`...)
	dst = append(dst, e.Raw...)
	return append(dst, '}')
}

// Attributes implements Encoder: the context attributes twice, as ce_*
// (Kafka's binary-mode header names) and ce-* (HTTP's).
func (c *CloudEvents) Attributes(events []Event) []Attribute {
	e := events[0]
	values := [len(attributeNames)]string{"1.0", e.ID, c.raw, CloudEventType(e), e.ObjectID, e.DateRFC3339(), "application/json"}
	attrs := make([]Attribute, 0, 2*len(values))
	for i, v := range values {
		attrs = append(attrs, Attribute{attributeNames[i][0], v}, Attribute{attributeNames[i][1], v})
	}
	return attrs
}

// attributeNames are the context attributes as Kafka (ce_) and HTTP (ce-)
// header names, in the order Attributes lists them.
var attributeNames = func() [7][2]string {
	var names [7][2]string
	for i, a := range []string{"specversion", "id", "source", "type", "subject", "time", "datacontenttype"} {
		names[i] = [2]string{"ce_" + a, "ce-" + a}
	}
	return names
}()
