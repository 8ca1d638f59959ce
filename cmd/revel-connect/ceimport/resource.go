package ceimport

import (
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"
	"time"

	"github.com/revel-connect/revel-connect/internal/record"
	"github.com/revel-connect/revel-connect/internal/timefmt"
	"github.com/revel-connect/revel-connect/internal/urlmacro"
)

// Resource is one entry of event.poller.configuration in revel_poller's
// terms. Only keys present in the body become settings: absent ones keep
// revel_poller's defaults.
type Resource struct {
	Name string // the key, which becomes the events' objectType
	// URL is the poll URL as Cloud Elements had it, macros unescaped.
	URL string
	// RevelURL is the Revel path and query URL is translated to.
	RevelURL string
	IDField  string
	Dates    []Setting // dates_configuration fields
	Settings []Setting // the other per-resource fields
}

// Setting is a revel_poller field with its value: a string, bool, int or
// time.Duration.
type Setting struct {
	Field string
	Value any
	From  string // the Cloud Elements key it came from
}

// option maps a Cloud Elements key, with the spellings it was also
// documented under, to a revel_poller field.
type option struct {
	names []string
	field string
	read  func(path string, v any) (any, error)
	// inDates: also read inside datesConfiguration.
	inDates bool
}

func text(path string, v any) (any, error)  { return readString(path, v) }
func flag(path string, v any) (any, error)  { return readBool(path, v) }
func count(path string, v any) (any, error) { return readCount(path, v) }
func seconds(path string, v any) (any, error) {
	return readDuration(path, v, time.Second)
}

// dateOptions are datesConfiguration's keys. They are also read at resource
// level, where Cloud Elements' archived polling page put
// updatedDateTimezone; updateDateTimezone is the misspelling on its Oracle
// HCM page.
var dateOptions = []option{
	{names: []string{"updatedDateField"}, field: "updated_date_field", read: text, inDates: true},
	{names: []string{"updatedDateFormat"}, field: "updated_date_format", read: text, inDates: true},
	{names: []string{"updatedDateTimezone", "updateDateTimezone"}, field: "updated_date_timezone", read: text, inDates: true},
	{names: []string{"createdDateField"}, field: "created_date_field", read: text, inDates: true},
	{names: []string{"createdDateFormat"}, field: "created_date_format", read: text, inDates: true},
	{names: []string{"createdDateTimezone"}, field: "created_date_timezone", read: text, inDates: true},
}

// resourceOptions are the other per-resource keys. createdCheckTolerance is
// documented at resource level, but the HubSpot example nests it in
// datesConfiguration; filterByUpdateDate is the archived page's spelling.
var resourceOptions = []option{
	{names: []string{"pageSize"}, field: "page_size", read: count},
	{names: []string{"pollDelay"}, field: "poll_delay", read: seconds},
	{names: []string{"createdCheckTolerance"}, field: "created_check_tolerance", read: seconds, inDates: true},
	{names: []string{"filterByUpdatedDate", "filterByUpdateDate"}, field: "filter_by_updated_date", read: flag},
	{names: []string{"filterByCurrentDate"}, field: "filter_by_current_date", read: flag},
}

const (
	keyURL     = "url"
	keyIDField = "idField"
	keyDates   = "datesConfiguration"
)

// elementDefaultURL is the poll URL of the Revel element's default
// configuration; Cloud Elements filled in defaults for a resource given as {}.
const elementDefaultURL = "/hubs/employee/%s?where=updated_date__gte='${DateTimeZone:PST:yyyy-MM-dd'T'HH:mm:ss.SSS}'"

// readResources reads event.poller.configuration, an object or a JSON
// string holding one.
func (inst *Instance) readResources(v any) ([]Resource, error) {
	var conf map[string]any
	switch t := v.(type) {
	case nil:
		return nil, fmt.Errorf("%s: required: the resources to poll", keyPollerConfig)
	case map[string]any:
		conf = t
	case string:
		var err error
		if conf, err = decodeObject([]byte(t)); err != nil {
			return nil, fmt.Errorf("%s (a JSON string): %w", keyPollerConfig, err)
		}
	default:
		return nil, fmt.Errorf("%s: expected an object or a JSON string, got %s", keyPollerConfig, kindOf(v))
	}
	if len(conf) == 0 {
		return nil, fmt.Errorf("%s: no resources", keyPollerConfig)
	}
	var resources []Resource
	var errs []error
	for _, name := range slices.Sorted(maps.Keys(conf)) {
		r, err := inst.readResource(name, conf[name])
		if err != nil {
			errs = append(errs, err)
			continue
		}
		resources = append(resources, r)
	}
	return resources, errors.Join(errs...)
}

func (inst *Instance) readResource(name string, v any) (Resource, error) {
	path := keyPollerConfig + "." + name
	r := Resource{Name: name}
	conf, ok := v.(map[string]any)
	if !ok {
		return r, fmt.Errorf("%s: expected an object, got %s", path, kindOf(v))
	}
	dates := map[string]any{}
	if d, ok := conf[keyDates]; ok && d != nil {
		if dates, ok = d.(map[string]any); !ok {
			return r, fmt.Errorf("%s.%s: expected an object, got %s", path, keyDates, kindOf(d))
		}
	}
	var errs []error
	if err := inst.readURL(&r, path, conf[keyURL]); err != nil {
		errs = append(errs, err)
	}
	if err := inst.readIDField(&r, path, conf[keyIDField]); err != nil {
		errs = append(errs, err)
	}
	for _, o := range dateOptions {
		s, ok, err := lookup(conf, dates, path, o)
		if err == nil && ok {
			s, ok, err = inst.checkDate(path, s)
		}
		if err != nil {
			errs = append(errs, err)
		} else if ok {
			r.Dates = append(r.Dates, s)
		}
	}
	for _, o := range resourceOptions {
		s, ok, err := lookup(conf, dates, path, o)
		switch {
		case err != nil:
			errs = append(errs, err)
		case ok && s.Field == "poll_delay" && s.Value == time.Duration(0):
			// 0 was Cloud Elements' default, kept by most instances
			// without a thought; it loses every change committed late.
			inst.warn("%s.%s is 0, Cloud Elements' default, which misses a change whose transaction commits after a poll has passed its time: not imported, so revel_poller's 1m overlap applies (set poll_delay: 0s by hand only if Revel never commits late)", path, s.From)
		case ok:
			r.Settings = append(r.Settings, s)
		}
	}
	atResource, inDates := knownKeys()
	inst.warnUnknown(path, conf, atResource)
	inst.warnUnknown(path+"."+keyDates, dates, inDates)
	return r, errors.Join(errs...)
}

// readURL checks the URL the way revel_poller will, so an unknown hub
// resource or a bad macro is reported now, named by its resource.
func (inst *Instance) readURL(r *Resource, path string, v any) error {
	if v == nil || v == "" {
		r.URL = fmt.Sprintf(elementDefaultURL, r.Name)
		inst.warn("%s has no url: assuming the Revel element's default, %s", path, r.URL)
	} else {
		var err error
		if r.URL, err = readString(path+"."+keyURL, v); err != nil {
			return err
		}
	}
	if strings.ContainsFunc(r.URL, isControl) {
		return fmt.Errorf("%s.%s: contains a control character", path, keyURL)
	}
	t, err := urlmacro.Parse(r.URL)
	if err != nil {
		return fmt.Errorf("%s.%s: %w", path, keyURL, err)
	}
	r.RevelURL = t.String()
	return nil
}

// readIDField defaults to id, Revel's primary key: Cloud Elements allowed
// an empty idField when an element hook supplied ids, which revel_poller
// has no use for.
func (inst *Instance) readIDField(r *Resource, path string, v any) error {
	if v == nil || v == "" {
		r.IDField = "id"
		inst.warn("%s.%s is not set: using id", path, keyIDField)
		return nil
	}
	var err error
	if r.IDField, err = readString(path+"."+keyIDField, v); err != nil {
		return err
	}
	if _, err := record.CompilePath(r.IDField); err != nil {
		return fmt.Errorf("%s.%s: %w", path, keyIDField, err)
	}
	return nil
}

// lookup finds an option under any of its names, at resource level or in
// datesConfiguration. Spellings that agree are accepted together; ones
// that disagree are an error, as no single value can be right.
func lookup(conf, dates map[string]any, path string, o option) (Setting, bool, error) {
	places := []map[string]any{conf}
	if o.inDates {
		places = append(places, dates)
	}
	var found Setting
	ok := false
	for _, name := range o.names {
		for _, m := range places {
			raw, present := m[name]
			if !present || raw == nil {
				continue
			}
			value, err := o.read(path+"."+name, raw)
			if err != nil {
				return Setting{}, false, err
			}
			if ok && value != found.Value {
				return Setting{}, false, fmt.Errorf("%s: %s and %s disagree (%v and %v)", path, found.From, name, found.Value, value)
			}
			if !ok {
				found, ok = Setting{Field: o.field, Value: value, From: name}, true
			}
		}
	}
	return found, ok, nil
}

// checkDate validates a dates setting with the parsers revel_poller uses.
// An empty zone or format, which Cloud Elements tolerated, is dropped so
// revel_poller's default applies.
func (inst *Instance) checkDate(path string, s Setting) (Setting, bool, error) {
	value := s.Value.(string)
	at := path + "." + s.From
	var err error
	switch {
	case strings.HasSuffix(s.Field, "_timezone"):
		if value == "" {
			inst.warn("%s is empty: revel_poller's default, PST, applies; set the tenant's zone", at)
			return s, false, nil
		}
		_, err = timefmt.LoadZone(value)
	case strings.HasSuffix(s.Field, "_format"):
		if value == "" {
			inst.warn("%s is empty: revel_poller's default, yyyy-MM-dd'T'HH:mm:ss.SSS, applies", at)
			return s, false, nil
		}
		_, err = timefmt.Compile(value)
	case value != "": // an empty field is meaningful: no such date
		_, err = record.CompilePath(value)
	}
	if err != nil {
		return s, false, fmt.Errorf("%s: %w", at, err)
	}
	return s, true, nil
}

// warnUnknown reports keys of m that are not in known.
func (inst *Instance) warnUnknown(path string, m map[string]any, known []string) {
	for _, key := range slices.Sorted(maps.Keys(m)) {
		if !slices.Contains(known, key) {
			inst.warn("%s.%s is not a Cloud Elements polling key; ignored", path, key)
		}
	}
}

// knownKeys lists the keys read at resource level and in datesConfiguration.
func knownKeys() (atResource, inDates []string) {
	atResource = []string{keyURL, keyIDField, keyDates}
	for _, o := range slices.Concat(dateOptions, resourceOptions) {
		atResource = append(atResource, o.names...)
		if o.inDates {
			inDates = append(inDates, o.names...)
		}
	}
	return atResource, inDates
}

func isControl(r rune) bool { return r < 0x20 || r == 0x7f }
