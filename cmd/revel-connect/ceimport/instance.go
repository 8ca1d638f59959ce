// Package ceimport turns a Cloud Elements POST /instances body for the Revel
// element into a revel-connect pipeline, so an instance's events keep
// reaching the same callback after Cloud Elements is gone.
//
// Parsing is as tolerant as Cloud Elements was (see Parse); rendering
// (Render) never writes a credential into the pipeline, only references to
// environment variables.
package ceimport

import (
	"errors"
	"fmt"
	"maps"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/revel-connect/revel-connect/internal/httpurl"
	"github.com/revel-connect/revel-connect/internal/redact"
)

// Instance is what a pipeline needs from a POST /instances body.
type Instance struct {
	Name      string
	Tags      []string
	Subdomain string
	// CallbackURL is event.notification.callback.url without its user
	// info, which is never kept: CallbackUserInfo says it had one, and the
	// pipeline reads it from the environment.
	CallbackURL      string
	CallbackUserInfo bool
	// Signed is true when event.notification.signature.key is set. The key
	// itself is never kept: the pipeline reads it from the environment.
	Signed bool
	// RefreshInterval is event.poller.refresh_interval, or the element's
	// default of 15 minutes when the body has none.
	RefreshInterval time.Duration
	Resources       []Resource // ordered by name
	// Warnings are what the import left out or assumed, for the user to
	// review; they name keys, never values.
	Warnings []string
}

// defaultRefreshInterval is the Revel element's event.poller.refresh_interval.
const defaultRefreshInterval = 15 * time.Minute

// Configuration keys of a POST /instances body.
const (
	keySubdomain       = "subdomain"
	keyEnabled         = "event.notification.enabled"
	keyCallbackURL     = "event.notification.callback.url"
	keySignatureKey    = "event.notification.signature.key"
	keyRefreshInterval = "event.poller.refresh_interval"
	keyPollerConfig    = "event.poller.configuration"
)

// handledEventKeys are the event.* keys the import reads or that need
// nothing here; any other event.* key is reported as not imported.
var handledEventKeys = []string{
	keyEnabled, keyCallbackURL, keySignatureKey, keyRefreshInterval, keyPollerConfig,
	"event.vendor.type",       // polling is all Revel had
	"event.notification.type", // webhook is all Cloud Elements had
}

// Parse reads a POST /instances body. Like Cloud Elements it accepts
// event.poller.configuration as an object or as a JSON string, booleans
// and numbers as strings, and the documented misspellings of per-resource
// keys (see readResource). Invalid JSON is reported with its line and
// column.
func Parse(body []byte) (*Instance, error) {
	root, err := decodeObject(body)
	if err != nil {
		return nil, err
	}
	inst := &Instance{}
	var errs []error
	fail := func(err error) { errs = append(errs, err) }

	if element, ok := root["element"].(map[string]any); ok {
		if key, ok := element["key"].(string); ok && !strings.EqualFold(key, "revel") {
			return nil, fmt.Errorf("element.key is %q: revel-connect imports instances of the revel element", key)
		}
	}
	if v, ok := root["name"]; ok {
		if inst.Name, err = readString("name", v); err != nil {
			fail(err)
		}
	}
	if v, ok := root["tags"]; ok {
		if inst.Tags, err = readTags(v); err != nil {
			fail(err)
		}
	}

	conf, ok := root["configuration"].(map[string]any)
	if !ok {
		return nil, errors.Join(append(errs, errors.New("configuration: required: the object holding subdomain and the event.* keys"))...)
	}
	if inst.Subdomain, err = readSubdomain(conf[keySubdomain]); err != nil {
		fail(err)
	}
	if inst.CallbackURL, err = readCallbackURL(conf[keyCallbackURL]); err != nil {
		fail(err)
	} else {
		u, _ := url.Parse(inst.CallbackURL)
		if strings.HasSuffix(u.Hostname(), "cloud-elements.com") {
			inst.warn("%s is Cloud Elements' own event endpoint, which will be gone: point the output at the consumer", keyCallbackURL)
		}
		if u.User != nil {
			u.User = nil
			inst.CallbackURL, inst.CallbackUserInfo = u.String(), true
			inst.warn("%s carries credentials: the pipeline reads them from %s (user:password, as in the URL)", keyCallbackURL, EnvCallbackUserInfo)
		}
	}
	if v, ok := conf[keySignatureKey]; ok {
		key, err := readString(keySignatureKey, v)
		if err != nil {
			fail(err)
		}
		inst.Signed = key != ""
	}
	enabled := false
	if v, ok := conf[keyEnabled]; ok {
		if enabled, err = readBool(keyEnabled, v); err != nil {
			fail(err)
		}
	}
	if !enabled {
		inst.warn("%s is not true, so Cloud Elements sent no events for this instance; this pipeline sends them", keyEnabled)
	}
	inst.RefreshInterval = defaultRefreshInterval
	if v, ok := conf[keyRefreshInterval]; ok {
		if inst.RefreshInterval, err = readDuration(keyRefreshInterval, v, time.Minute); err != nil {
			fail(err)
		} else if inst.RefreshInterval <= 0 {
			fail(fmt.Errorf("%s: must be more than 0 minutes", keyRefreshInterval))
		}
	} else {
		inst.warn("%s is not set: using the element's default of 15 minutes", keyRefreshInterval)
	}
	if inst.Resources, err = inst.readResources(conf[keyPollerConfig]); err != nil {
		fail(err)
	}
	for _, key := range slices.Sorted(maps.Keys(conf)) {
		if strings.HasPrefix(key, "event.") && !slices.Contains(handledEventKeys, key) {
			inst.warn("%s is not imported; configure its equivalent by hand", key)
		}
	}
	if len(errs) > 0 {
		return nil, errors.Join(errs...)
	}
	return inst, nil
}

func (inst *Instance) warn(format string, args ...any) {
	inst.Warnings = append(inst.Warnings, fmt.Sprintf(format, args...))
}

func readTags(v any) ([]string, error) {
	list, ok := v.([]any)
	if !ok {
		return nil, fmt.Errorf("tags: expected an array of strings, got %s", kindOf(v))
	}
	tags := make([]string, 0, len(list))
	for i, item := range list {
		tag, err := readString(fmt.Sprintf("tags[%d]", i), item)
		if err != nil {
			return nil, err
		}
		tags = append(tags, tag)
	}
	return tags, nil
}

// readSubdomain accepts the subdomain as Cloud Elements asked for it (acme)
// and also the host or URL people paste instead.
func readSubdomain(v any) (string, error) {
	if v == nil {
		return "", fmt.Errorf("%s: required: the tenant, acme for https://acme.revelup.com", keySubdomain)
	}
	s, err := readString(keySubdomain, v)
	if err != nil {
		return "", err
	}
	sub := strings.TrimSpace(strings.ToLower(s))
	sub = strings.TrimPrefix(strings.TrimPrefix(sub, "https://"), "http://")
	sub = strings.TrimSuffix(strings.TrimSuffix(sub, "/"), ".revelup.com")
	if sub == "" || strings.Trim(sub, "abcdefghijklmnopqrstuvwxyz0123456789-") != "" {
		return "", fmt.Errorf("%s: %q is not a Revel subdomain such as acme (for https://acme.revelup.com)", keySubdomain, s)
	}
	return sub, nil
}

func readCallbackURL(v any) (string, error) {
	if v == nil {
		return "", fmt.Errorf("%s: required: where events are POSTed", keyCallbackURL)
	}
	s, err := readString(keyCallbackURL, v)
	if err != nil {
		return "", err
	}
	s = strings.TrimSpace(s)
	if _, err := httpurl.Parse(s); err != nil {
		return "", fmt.Errorf("%s: %w", keyCallbackURL, err)
	}
	// Benthos would read ${...} in the output's url as an interpolation.
	if strings.Contains(s, "${") {
		return "", fmt.Errorf("%s: %q contains ${, which Benthos would interpolate", keyCallbackURL, redact.URLs(s))
	}
	return s, nil
}
