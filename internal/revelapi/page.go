package revelapi

import (
	"encoding/json"
	"errors"
	"strings"

	"github.com/tidwall/gjson"
)

// Page is one Tastypie list response.
type Page struct {
	// Objects are the records as sent, each a slice of the response body:
	// they are passed on verbatim, never decoded and re-encoded.
	Objects    []string
	TotalCount int
	HasTotal   bool
	// Limit is meta.limit, the page size the server applied (0 when
	// absent): a server may serve fewer rows than asked.
	Limit int
	// Next is meta.next, "" when null or absent; HasNext tells whether
	// the key was sent at all (Tastypie omits it for limit=0).
	Next     string
	HasNext  bool
	TimeZone string
}

var errMalformed = errors.New("malformed list response")

// DecodePage reads one list response body. The client calls it on every
// page; it is exported so the benchmark floor decodes exactly as polling does.
func DecodePage(body string) (*Page, error) {
	if !gjson.Valid(body) {
		return nil, errors.New("response body is not valid JSON (truncated?)")
	}
	root := gjson.Parse(body)
	objects := root.Get("objects")
	if !objects.IsArray() {
		return nil, errMalformed
	}
	meta := root.Get("meta")
	next := meta.Get("next")
	p := &Page{
		Next:     next.Str,
		HasNext:  next.Exists(),
		Limit:    int(meta.Get("limit").Int()),
		TimeZone: meta.Get("time_zone").Str,
	}
	if tc := meta.Get("total_count"); tc.Type == gjson.Number {
		p.TotalCount, p.HasTotal = int(tc.Int()), true
	}
	objects.ForEach(func(_, v gjson.Result) bool {
		p.Objects = append(p.Objects, v.Raw)
		return true
	})
	return p, nil
}

// errorMessage pulls Tastypie's {"error": "..."} text out of an error body.
func errorMessage(body string) string {
	var e struct {
		Error        string `json:"error"`
		ErrorMessage string `json:"error_message"`
	}
	if json.Unmarshal([]byte(body), &e) == nil {
		if e.Error != "" {
			return e.Error
		}
		return e.ErrorMessage
	}
	body = strings.TrimSpace(body)
	if len(body) > 200 {
		body = body[:200] + "..."
	}
	return body
}
