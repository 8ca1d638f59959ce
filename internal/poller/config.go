package poller

import (
	"errors"
	"fmt"
	"maps"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/redpanda-data/benthos/v4/public/service"

	"golang.org/x/oauth2/clientcredentials"

	"github.com/revel-connect/revel-connect/internal/event"
	"github.com/revel-connect/revel-connect/internal/httpurl"
	"github.com/revel-connect/revel-connect/internal/record"
	"github.com/revel-connect/revel-connect/internal/revelapi"
	"github.com/revel-connect/revel-connect/internal/timefmt"
	"github.com/revel-connect/revel-connect/internal/urlmacro"
)

// config is a checked revel_poller configuration.
type config struct {
	baseURL          string
	apiKey           string
	apiSecret        string
	oauth2           *oauth2Config
	start            startFrom
	resources        []*resourceConfig // ordered by objectType
	checkpointCache  string
	checkpointKey    string
	eventsPerMessage int
	format           string
	cloudEventsSrc   string
	elementKey       string
	instance         event.Instance
	rateLimit        string
	timeout          time.Duration
	maxUnackedPages  int
	maxRequests      int
	backfill         int // backfill_concurrency
	backoff          revelapi.Backoff
	// notes are problems that do not stop the input, logged at startup
	// (see lintProblems for why lint leaves them out).
	notes []string
}

// oauth2Config is Revel API Platform authentication.
type oauth2Config struct {
	conf     clientcredentials.Config
	merchant string
}

// resourceConfig is one entry of resources.
type resourceConfig struct {
	objectType string
	url        *urlmacro.Template
	fields     record.Fields
	hubKey     string
	classifier event.Classifier
	pageSize   int
	paging     revelapi.Paging
	interval   time.Duration
	pollDelay  time.Duration
	// onlyBeforeCycle leaves records changed after a cycle started to the
	// next cycle (filter_by_current_date).
	onlyBeforeCycle bool
	// reconcile is how often every id is listed to find hard deletes
	// (audit_full_interval, formerly reconcile_interval); 0 never.
	reconcile time.Duration
	// audit is how often the completeness audit runs; 0 never. It lists
	// the changes of the last auditLookback.
	audit         time.Duration
	auditLookback time.Duration
	// legacyReconcile: reconcile came from reconcile_interval.
	legacyReconcile bool
}

// startFrom is where a resource without a checkpoint begins.
type startFrom struct {
	at       time.Time     // a fixed time (also earliest)
	lookback time.Duration // now minus this, when at is zero
}

func (s startFrom) cursor(now time.Time) time.Time {
	if !s.at.IsZero() {
		return s.at
	}
	return now.Add(-s.lookback)
}

// earliest is what start_from: earliest means; Revel has nothing older.
var earliest = time.Unix(0, 0).UTC()

// fieldErrors gathers every problem, each named by its field path, so one
// lint run shows them all.
type fieldErrors []error

func (e *fieldErrors) add(path string, err error) {
	if err != nil {
		*e = append(*e, fmt.Errorf("%s: %w", path, err))
	}
}

func (e fieldErrors) err() error { return errors.Join(e...) }

// parseConfig checks a parsed configuration. It touches no resources, so
// lint runs it too.
func parseConfig(pc *service.ParsedConfig) (*config, error) {
	var errs fieldErrors
	c := &config{}
	var err error

	subdomain := str(pc, &errs, fSubdomain)
	c.baseURL = str(pc, &errs, fBaseURL)
	switch {
	case c.baseURL != "":
		if _, err := httpurl.Parse(c.baseURL); err != nil {
			errs.add(fBaseURL, fmt.Errorf("%w such as https://acme.revelup.com", err))
		}
	case subdomain == "":
		errs.add(fSubdomain, errors.New("set subdomain (acme for https://acme.revelup.com) or base_url"))
	case !validSubdomain(subdomain):
		errs.add(fSubdomain, fmt.Errorf("%q is not a subdomain; write acme for https://acme.revelup.com", subdomain))
	default:
		c.baseURL = "https://" + subdomain + ".revelup.com"
	}
	c.apiKey = str(pc, &errs, fAPIKey)
	c.apiSecret = str(pc, &errs, fAPISecret)
	if (c.apiKey == "") != (c.apiSecret == "") {
		errs.add(fAPIKey, errors.New("api_key and api_secret go together; set both or neither"))
	}
	c.oauth2 = parseOAuth2(pc.Namespace(fOAuth2), subdomain, &errs)
	if c.oauth2 != nil && c.apiKey != "" {
		errs.add(fOAuth2, errors.New("choose one way to authenticate: oauth2 or api_key/api_secret"))
	}

	interval, err := parseMinutesOrDuration(str(pc, &errs, fRefreshInterval))
	errs.add(fRefreshInterval, err)
	pollDelay, err := parseSecondsOrDuration(str(pc, &errs, fPollDelay))
	errs.add(fPollDelay, err)
	c.start, err = parseStartFrom(str(pc, &errs, fStartFrom))
	errs.add(fStartFrom, err)
	pageSize := intField(pc, &errs, fPageSize)
	if pageSize < 1 {
		errs.add(fPageSize, fmt.Errorf("%d: must be at least 1", pageSize))
	}

	resources, err := pc.FieldObjectMap(fResources)
	errs.add(fResources, err)
	if err == nil && len(resources) == 0 {
		errs.add(fResources, errors.New("configure at least one resource"))
	}
	for _, name := range slices.Sorted(maps.Keys(resources)) {
		rc := parseResource(resources[name], "resources."+name, &errs)
		rc.objectType = name
		if rc.pageSize == 0 {
			rc.pageSize = pageSize
		}
		if rc.interval == 0 {
			rc.interval = interval
		}
		if rc.pollDelay < 0 {
			rc.pollDelay = pollDelay
		}
		c.notes = append(c.notes, zoneNotes(rc, "resources."+name, time.Now())...)
		c.resources = append(c.resources, rc)
	}

	c.checkpointCache = str(pc, &errs, fCheckpointCache)
	c.checkpointKey = str(pc, &errs, fCheckpointKey)
	c.eventsPerMessage = intField(pc, &errs, fEventsPerMessage)
	if c.eventsPerMessage < 1 || c.eventsPerMessage > 10 {
		errs.add(fEventsPerMessage, fmt.Errorf("%d: must be between 1 and 10", c.eventsPerMessage))
	}
	c.format = str(pc, &errs, fFormat)
	c.cloudEventsSrc = str(pc, &errs, fCloudEventsSrc)
	if c.format == "cloudevents" && c.eventsPerMessage != 1 {
		errs.add(fEventsPerMessage, errors.New("a CloudEvent carries one event; leave events_per_message at 1 with format: cloudevents"))
	}
	c.elementKey = str(pc, &errs, fElementKey)
	inst := pc.Namespace(fInstance)
	c.instance = event.Instance{
		ID:        int64(intField(inst, &errs, fInstanceID)),
		Name:      str(inst, &errs, fInstanceName),
		AccountID: int64(intField(inst, &errs, fAccountID)),
		CompanyID: int64(intField(inst, &errs, fCompanyID)),
		UserID:    int64(intField(inst, &errs, fUserID)),
	}
	c.instance.Tags, err = inst.FieldStringList(fInstanceTags)
	errs.add("instance.tags", err)
	c.rateLimit = str(pc, &errs, fRateLimit)
	c.timeout = duration(pc, &errs, fTimeout, fTimeout)
	c.maxRequests = intField(pc, &errs, fMaxRequests)
	if c.maxRequests < 0 {
		errs.add(fMaxRequests, errors.New("must be 0 (no limit) or more"))
	}
	if c.maxRequests == 1 {
		for _, rc := range c.resources {
			if rc.audit > 0 {
				errs.add(fMaxRequests, fmt.Errorf("1 leaves resources.%s.audit_interval no request: the poll's page takes it; raise it to at least 2", rc.objectType))
			}
		}
	}
	c.backfill = intField(pc, &errs, fBackfill)
	if c.backfill < 1 {
		errs.add(fBackfill, errors.New("must be at least 1 (1 reads one page at a time)"))
	}
	c.maxUnackedPages = intField(pc, &errs, fMaxUnackedPages)
	if c.maxUnackedPages < 1 {
		errs.add(fMaxUnackedPages, errors.New("must be at least 1"))
	}
	bo := pc.Namespace(fRetryBackoff)
	c.backoff.Initial = duration(bo, &errs, "retry_backoff.initial_interval", fInitialInterval)
	c.backoff.Max = duration(bo, &errs, "retry_backoff.max_interval", fMaxInterval)
	if c.backoff.Max < c.backoff.Initial {
		errs.add("retry_backoff.max_interval", errors.New("must not be shorter than initial_interval"))
	}
	return c, errs.err()
}

func parseResource(pc *service.ParsedConfig, path string, errs *fieldErrors) *resourceConfig {
	rc := &resourceConfig{pollDelay: -1}
	at := func(f string) string { return path + "." + f }

	raw, err := pc.FieldString(fURL)
	switch {
	case err != nil:
		errs.add(at(fURL), errors.New("required: the list request, e.g. /resources/Employee/?updated_date__gte=${{DateTimeZone:PST:yyyy-MM-dd'T'HH:mm:ss.SSS}}"))
	case urlmacro.CheckSwallowed(raw) != nil:
		errs.add(at(fURL), urlmacro.CheckSwallowed(raw))
	default:
		if rc.url, err = urlmacro.Parse(raw); err != nil {
			errs.add(at(fURL), err)
		} else if q := queryOf(rc.url.String()); q.Has("api_key") || q.Has("api_secret") {
			errs.add(at(fURL), errors.New("credentials in the url would be logged; use api_key and api_secret, which are kept secret"))
		}
	}

	idField, err := pc.FieldString(fIDField)
	if err != nil {
		errs.add(at(fIDField), errors.New("required: the JSON path of the record id, usually id"))
	} else if rc.fields.ID, err = record.CompilePath(idField); err != nil {
		errs.add(at(fIDField), err)
	}
	rc.hubKey = str(pc, errs, fHubKey)

	byUpdated, err := pc.FieldBool(fFilterByUpdated)
	errs.add(at(fFilterByUpdated), err)
	rc.onlyBeforeCycle, err = pc.FieldBool(fFilterByCurrent)
	errs.add(at(fFilterByCurrent), err)
	dates := pc.Namespace(fDates)
	rc.fields.Updated = dateField(dates, path+"."+fDates, fUpdatedField, fUpdatedFormat, fUpdatedZone, byUpdated, errs)
	rc.fields.Created = dateField(dates, path+"."+fDates, fCreatedField, fCreatedFormat, fCreatedZone, !byUpdated, errs)
	rc.fields.FilterByUpdatedDate = byUpdated

	tolerance, err := parseSecondsOrDuration(str(pc, errs, fCreatedTolerance))
	errs.add(at(fCreatedTolerance), err)
	rc.classifier = event.Classifier{CreatedTolerance: tolerance, FilterByUpdatedDate: byUpdated}

	if deleted := str(pc, errs, fDeletedField); deleted != "" {
		if rc.fields.Deleted, err = record.CompilePath(deleted); err != nil {
			errs.add(at(fDeletedField), err)
		}
		if rc.fields.DeletedValue, err = pc.FieldAny(fDeletedValue); err != nil {
			errs.add(at(fDeletedValue), err)
		}
	}

	rc.pageSize = intField(pc, errs, fPageSize)
	if rc.pageSize < 0 {
		errs.add(at(fPageSize), fmt.Errorf("%d: must be 0 (inherit) or more", rc.pageSize))
	}
	if s := str(pc, errs, fRefreshInterval); s != "" {
		rc.interval, err = parseMinutesOrDuration(s)
		errs.add(at(fRefreshInterval), err)
	}
	if s := str(pc, errs, fPollDelay); s != "" {
		rc.pollDelay, err = parseSecondsOrDuration(s)
		errs.add(at(fPollDelay), err)
	}
	full, legacy := str(pc, errs, fAuditFull), str(pc, errs, fReconcile)
	switch { // empty, the default, disables it
	case full != "" && legacy != "":
		errs.add(at(fReconcile), errors.New("reconcile_interval is the old name of audit_full_interval; set only audit_full_interval"))
	case full != "":
		rc.reconcile = duration(pc, errs, at(fAuditFull), fAuditFull)
	case legacy != "":
		rc.reconcile = duration(pc, errs, at(fReconcile), fReconcile)
		rc.legacyReconcile = true
	}
	if str(pc, errs, fAudit) != "" {
		rc.audit = duration(pc, errs, at(fAudit), fAudit)
	}
	rc.auditLookback = duration(pc, errs, at(fAuditLookback), fAuditLookback)
	if rc.auditLookback == 0 {
		errs.add(at(fAuditLookback), errors.New("must be longer than zero, e.g. 168h"))
	}
	rc.paging = revelapi.Paging(str(pc, errs, fPaging))
	if rc.paging == revelapi.Keyset && rc.url != nil && queryOf(rc.url.String()).Has("order_by") {
		errs.add(at(fPaging), errors.New("keyset paging orders by id; remove order_by from the url or use paging: offset"))
	}
	return rc
}

func parseOAuth2(pc *service.ParsedConfig, subdomain string, errs *fieldErrors) *oauth2Config {
	enabled, err := pc.FieldBool(fEnabled)
	errs.add("oauth2.enabled", err)
	if !enabled {
		return nil
	}
	o := &oauth2Config{conf: clientcredentials.Config{
		ClientID:     str(pc, errs, fClientID),
		ClientSecret: str(pc, errs, fClientSecret),
		TokenURL:     str(pc, errs, fTokenURL),
	}}
	o.conf.Scopes, err = pc.FieldStringList(fScopes)
	errs.add("oauth2.scopes", err)
	o.merchant = str(pc, errs, fClientIDHeader)
	if o.merchant == "" {
		o.merchant = subdomain
	}
	for _, f := range [][2]string{{fClientID, o.conf.ClientID}, {fClientSecret, o.conf.ClientSecret}, {fTokenURL, o.conf.TokenURL}} {
		if f[1] == "" {
			errs.add("oauth2."+f[0], errors.New("required when oauth2 is enabled"))
		}
	}
	if o.conf.TokenURL != "" {
		_, err := httpurl.Parse(o.conf.TokenURL)
		errs.add("oauth2.token_url", err)
	}
	if o.merchant == "" {
		errs.add("oauth2.client_id_header", errors.New("name the merchant (its subdomain) here or in subdomain"))
	}
	return o
}

func dateField(pc *service.ParsedConfig, path, fieldKey, formatKey, zoneKey string, required bool, errs *fieldErrors) record.DateField {
	var d record.DateField
	field := str(pc, errs, fieldKey)
	if field == "" {
		if required {
			errs.add(path+"."+fieldKey, errors.New("required: this time drives the cursor (see filter_by_updated_date)"))
		}
		return d
	}
	var err error
	if d.Path, err = record.CompilePath(field); err != nil {
		errs.add(path+"."+fieldKey, err)
	}
	if d.Layout, err = timefmt.Compile(str(pc, errs, formatKey)); err != nil {
		errs.add(path+"."+formatKey, err)
	}
	if d.Zone, err = timefmt.LoadZone(str(pc, errs, zoneKey)); err != nil {
		errs.add(path+"."+zoneKey, err)
	}
	return d
}

func str(pc *service.ParsedConfig, errs *fieldErrors, key string) string {
	v, err := pc.FieldString(key)
	errs.add(key, err)
	return strings.TrimSpace(v)
}

func intField(pc *service.ParsedConfig, errs *fieldErrors, key string) int {
	v, err := pc.FieldInt(key)
	errs.add(key, err)
	return v
}

func queryOf(pathAndQuery string) url.Values {
	_, q, _ := strings.Cut(pathAndQuery, "?")
	v, _ := url.ParseQuery(q)
	return v
}

func validSubdomain(s string) bool {
	for _, c := range s {
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-') {
			return false
		}
	}
	return true
}

// duration reads a duration field, at path in errors, which must not be
// negative.
func duration(pc *service.ParsedConfig, errs *fieldErrors, path, key string) time.Duration {
	d, err := pc.FieldDuration(key)
	if err != nil {
		s, _ := pc.FieldString(key)
		errs.add(path, fmt.Errorf("%q is not a duration such as 30s or 15m", s))
		return 0
	}
	if d < 0 {
		errs.add(path, fmt.Errorf("%s is negative", d))
		return 0
	}
	return d
}

// parseMinutesOrDuration reads an interval as Cloud Elements wrote it (a
// number of minutes) or as a Go duration.
func parseMinutesOrDuration(s string) (time.Duration, error) {
	d, err := parseNumberOr(s, time.Minute, "minutes")
	if err == nil && d <= 0 {
		return 0, fmt.Errorf("%q must be longer than zero", s)
	}
	return d, err
}

// parseSecondsOrDuration reads Cloud Elements' second counts or a Go duration.
func parseSecondsOrDuration(s string) (time.Duration, error) {
	return parseNumberOr(s, time.Second, "seconds")
}

func parseNumberOr(s string, unit time.Duration, unitName string) (time.Duration, error) {
	if n, err := strconv.ParseFloat(s, 64); err == nil {
		if n < 0 {
			return 0, fmt.Errorf("%q is negative", s)
		}
		return time.Duration(n * float64(unit)), nil
	}
	d, err := time.ParseDuration(s)
	if err != nil {
		return 0, fmt.Errorf("%q is neither a duration such as 15m nor a number of %s", s, unitName)
	}
	if d < 0 {
		return 0, fmt.Errorf("%q is negative", s)
	}
	return d, nil
}

func parseStartFrom(s string) (startFrom, error) {
	switch strings.ToLower(s) {
	case "now":
		return startFrom{}, nil
	case "earliest":
		return startFrom{at: earliest}, nil
	}
	if t, err := time.Parse(time.RFC3339Nano, s); err == nil {
		return startFrom{at: t.UTC()}, nil
	}
	if d, err := time.ParseDuration(s); err == nil && d >= 0 {
		return startFrom{lookback: d}, nil
	}
	return startFrom{}, fmt.Errorf("%q is not now, earliest, an RFC 3339 time (2026-01-01T00:00:00Z) or a duration to look back (24h)", s)
}
