// Package httpurl checks the URLs a user configures: the Revel origin, the
// token endpoint, callbacks.
package httpurl

import (
	"fmt"
	"net/url"

	"github.com/revel-connect/revel-connect/internal/redact"
)

// Parse parses raw, which must be an absolute http or https URL with a host;
// otherwise the error says that, quoting raw with its user info hidden.
func Parse(raw string) (*url.URL, error) {
	u, err := url.Parse(raw)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, fmt.Errorf("%q is not an absolute http(s) URL", redact.URLs(raw))
	}
	return u, nil
}
