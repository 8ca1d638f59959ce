package poller

import (
	"github.com/redpanda-data/benthos/v4/public/service"
)

// Field names: users' pipeline files depend on them.
const (
	fSubdomain        = "subdomain"
	fBaseURL          = "base_url"
	fAPIKey           = "api_key"
	fAPISecret        = "api_secret"
	fRefreshInterval  = "refresh_interval"
	fStartFrom        = "start_from"
	fPollDelay        = "poll_delay"
	fPageSize         = "page_size"
	fResources        = "resources"
	fURL              = "url"
	fIDField          = "id_field"
	fHubKey           = "hub_key"
	fDates            = "dates_configuration"
	fUpdatedField     = "updated_date_field"
	fUpdatedFormat    = "updated_date_format"
	fUpdatedZone      = "updated_date_timezone"
	fCreatedField     = "created_date_field"
	fCreatedFormat    = "created_date_format"
	fCreatedZone      = "created_date_timezone"
	fCreatedTolerance = "created_check_tolerance"
	fDeletedField     = "deleted_field"
	fDeletedValue     = "deleted_value"
	fPaging           = "paging"
	fFilterByUpdated  = "filter_by_updated_date"
	fFilterByCurrent  = "filter_by_current_date"
	fCloudEventsSrc   = "cloudevents_source"
	fCheckpointCache  = "checkpoint_cache"
	fCheckpointKey    = "checkpoint_key"
	fFormat           = "format"
	fEventsPerMessage = "events_per_message"
	fElementKey       = "element_key"
	fInstance         = "instance"
	fInstanceID       = "id"
	fInstanceName     = "name"
	fInstanceTags     = "tags"
	fAccountID        = "account_id"
	fCompanyID        = "company_id"
	fUserID           = "user_id"
	fRateLimit        = "rate_limit"
	fTimeout          = "timeout"
	fMaxUnackedPages  = "max_unacked_pages"
	fMaxRequests      = "max_requests_per_poll"
	fBackfill         = "backfill_concurrency"
	fReconcile        = "reconcile_interval"
	fAuditFull        = "audit_full_interval"
	fAudit            = "audit_interval"
	fAuditLookback    = "audit_lookback"
	fOAuth2           = "oauth2"
	fEnabled          = "enabled"
	fClientID         = "client_id"
	fClientSecret     = "client_secret"
	fTokenURL         = "token_url"
	fScopes           = "scopes"
	fClientIDHeader   = "client_id_header"
	fRetryBackoff     = "retry_backoff"
	fInitialInterval  = "initial_interval"
	fMaxInterval      = "max_interval"
)

const javaDateTime = "yyyy-MM-dd'T'HH:mm:ss.SSS"

// Spec describes revel_poller's configuration; the reference docs are
// generated from it.
func Spec() *service.ConfigSpec { return spec(true) }

// SpecShowingSecrets is Spec with no field marked secret. Benthos scrubs
// secret fields when it writes a resolved config out (StreamBuilder's
// AsYAML); the fleet resolves a tenant's config that way to hand it to
// the tenant's poller, and never prints it.
func SpecShowingSecrets() *service.ConfigSpec { return spec(false) }

// secretIf marks f secret when secret is set.
func secretIf(f *service.ConfigField, secret bool) *service.ConfigField {
	if secret {
		return f.Secret()
	}
	return f
}

func spec(secret bool) *service.ConfigSpec {
	return service.NewConfigSpec().
		Beta().
		Categories("Services").
		Summary("Polls Revel Systems POS resources and emits a change event for every record created, updated or deleted, in the Cloud Elements event format.").
		Description(`
Revel's webhooks cover few events, so changes to employees, timesheets, orders, payments or customers must be polled. This input does what the Cloud Elements "polling events" service did: every `+"`refresh_interval`"+` it queries each resource with a URL holding a date macro, classifies each returned record as CREATED, UPDATED or DELETED, and emits Cloud Elements event notifications. Deliver them with any output, e.g. `+"`http_client`"+` to your old callback URL.

Unlike Cloud Elements it loses nothing and repeats nothing at boundaries:

- The cursor is the latest updated time among delivered changes (never the wall clock), persisted in `+"`checkpoint_cache`"+` only once every message before it is acknowledged. Long cycles (a backfill) checkpoint their paging position as pages are acknowledged, so a restart resumes mid-cycle.
- Queries are inclusive (a strict `+"`__gt`"+` on a macro is queried as `+"`__gte`"+`, with a warning at startup) and overlap by `+"`poll_delay`"+`, so a change committed late is still found; a change already delivered, the same object id with the same updated time, is suppressed, also across restarts. A record whose updated time cannot be read is versioned by its text: each edit is delivered once.
- Revel's dates are naive local wall-clock text. They are parsed in the zone you configure; in the autumn hour that repeats, the query reaches back so that nothing written in the second pass is missed.
- Pages are read by primary key where Revel allows it, so rows inserted or deleted between requests cannot shift the paging.
- Every page is checked, because Revel's paging is undocumented: ids must ascend and `+"`total_count`"+` must add up under keyset paging (a probe stands in where `+"`total_count`"+` is missing), offset pages must still overlap the page before, and only the server ends a listing (no `+"`meta.next`"+`, or `+"`total_count`"+` reached), not a short page. A resource that refuses or ignores `+"`order_by`"+`, `+"`id__gt`"+` or `+"`offset`"+` makes paging fall back to the other mode, remembered in the checkpoint; rows that moved are read again; a row listed twice is delivered once. Each is logged once as a WARN and counted in `+"`revel_poller_paging_fallbacks_total`"+` or `+"`revel_poller_paging_repairs_total`"+`. Records dated before the window's lower bound (an API that ignores the date filter returns them every cycle) are left out, counted and logged once, never delivered again.

### URL macros

`+"`${DateTimeZone:ZONE:FMT}`"+`, `+"`${gmtDate:FMT}`"+`, `+"`${date:FMT}`"+` (UTC), `+"`${nowTimeZone:ZONE:FMT}`"+` (the poll time), `+"`${epoch}`"+` and `+"`${epoch:ms}`"+` (ms), `+"`${epoch:s}`"+`, `+"`${epoch:us}`"+`, `+"`${milliseconds}`"+`. FMT is a Java SimpleDateFormat pattern; ZONE is an IANA name, a Java short id (PST follows US daylight saving; EST, MST and HST are fixed) or an offset such as -08:00. Every macro except nowTimeZone renders the cursor minus `+"`poll_delay`"+`.

Benthos substitutes `+"`${NAME:default}`"+` with environment variables when it reads a config file, so in YAML write the macros with a doubled brace, `+"`${{DateTimeZone:PST:yyyy-MM-dd'T'HH:mm:ss.SSS}}`"+`; `+"`revel-connect lint`"+` reports a macro that was swallowed.

Cloud Elements hub URLs such as `+"`/hubs/employee/employees?where=updated_date__gte='${{...}}'`"+` are accepted and translated to Revel paths.

### Metadata

Every message carries `+"`revel_event_type`"+`, `+"`revel_object_type`"+`, `+"`revel_object_id`"+`, `+"`revel_event_date`"+` (RFC 3339, UTC) and `+"`revel_event_id`"+` (a hash of the instance, object type, object id, updated time and event type: a redelivered change keeps its id). With `+"`events_per_message`"+` above 1 they describe the first event of the message.

### Delivery guarantees

At least once. With `+"`auto_replay_nacks: true`"+` (the default) a rejected message is replayed until an output accepts it; with `+"`false`"+` it is dropped and the checkpoint moves past it, as with other Benthos inputs.
`).
		Fields(
			service.NewStringField(fSubdomain).
				Description("The tenant's subdomain: `acme` polls `https://acme.revelup.com`.").
				Example("acme").Default(""),
			service.NewStringField(fBaseURL).
				Description("The API origin, overriding `subdomain`: a proxy, the simulator, or Revel's API platform host.").
				Example("http://127.0.0.1:8081").Default(""),
			secretIf(service.NewStringField(fAPIKey), secret).
				Description("Revel API key, sent as `API-AUTHENTICATION: <key>:<secret>` to the configured origin only. Or use `oauth2`.").Default(""),
			secretIf(service.NewStringField(fAPISecret), secret).
				Description("Revel API secret, the other half of `api_key`. Redacted by `echo` and never logged.").Default(""),
			service.NewObjectField(fOAuth2,
				service.NewBoolField(fEnabled).Description("Authenticate with Revel's API Platform instead of `api_key`/`api_secret`.").Default(false),
				service.NewStringField(fClientID).Description("The partner's client id.").Default(""),
				secretIf(service.NewStringField(fClientSecret), secret).Description("The partner's client secret.").Default(""),
				service.NewStringField(fTokenURL).Description("The token endpoint (client-credentials grant).").Example("https://authentication.revelup.com/oauth/token").Default(""),
				service.NewStringListField(fScopes).Description("Scopes to request, if Revel asks for any.").Default([]any{}),
				service.NewStringField(fClientIDHeader).Description("The `Client-Id` header naming the merchant; empty uses `subdomain`.").Default(""),
			).Description("Revel API Platform authentication: one Bearer token, fetched with the client-credentials grant and renewed 5 minutes before it expires, serves all of a partner's merchants; the `Client-Id` header names the merchant. A 401 renews the token once and retries.").Advanced(),
			service.NewStringField(fRefreshInterval).
				Description("How often each resource is polled: a Go duration, or a bare number of minutes as Cloud Elements' `event.poller.refresh_interval` had it. A cycle that finds a backlog pages through all of it before waiting. When the next poll is 30s or more away, a resource closes its connections to Revel until then (load balancers commonly drop a connection idle for 60s anyway, and an idle TLS connection holds tens of KB), so each such poll opens a new one, TCP and TLS handshake included.").
				Examples("15m", "15", "30s").Default("15m"),
			service.NewStringField(fStartFrom).
				Description("Where a resource without a checkpoint starts: `now` (only changes from now on, as Cloud Elements did), `earliest` (all history), an RFC 3339 time, or a duration to look back such as `24h`.").
				Examples("now", "earliest", "2026-01-01T00:00:00Z", "168h").Default("now"),
			service.NewStringField(fPollDelay).
				Description("Overlap: each query starts this long before the cursor. A change is stamped when it is saved but visible only once its transaction commits, so a poll can see a later change first and move the cursor past one still uncommitted; the overlap finds it at the next poll. The bound: a change is delivered if it becomes visible within `poll_delay` of its updated time (less any lead of Revel's clock over this host's). Rows re-read in the overlap were delivered already and are suppressed, so the overlap costs bytes, not duplicates: at a steady rate of change each poll re-reads about `poll_delay`/`refresh_interval` more (1/15 with the defaults). The default, 1m, outlasts any request-length transaction; Cloud Elements' `pollDelay` defaulted to 0, which loses such changes. Raise it for long batch jobs; `0s` only if Revel never commits late. A Go duration or a bare number of seconds.").
				Examples("1m", "5m", "120").Default("1m"),
			service.NewIntField(fPageSize).
				Description("Records per request (Tastypie's `limit`). Revel serves up to 1000.").Default(100),
			service.NewObjectMapField(fResources, resourceFields()...).
				Description("The resources to poll. Each key is the event's `objectType`, as in Cloud Elements' `event.poller.configuration`."),
			service.NewStringField(fCheckpointCache).
				Description("A cache resource that keeps each resource's cursor, so a restart resumes where delivery stopped. Any persistent cache works: `atomic_file` on a volume is best, as it writes atomically and fsyncs; Benthos' own `file` cache works too (its directory must exist; it truncates in place, so a crash mid-write can leave a checkpoint that must be deleted); `redis` and the like for shared state. The checkpoint is written once at startup, so a cache that cannot be written stops the input before the first poll. If writes fail later, polling pauses, the input reports not ready (`/ready` answers 503) and the failure is logged at ERROR, until a write succeeds. Empty keeps cursors in memory only: a restart starts again from `start_from`.").
				Default(""),
			service.NewStringField(fCheckpointKey).
				Description("Prefix of the cache keys: each resource's checkpoint is `<checkpoint_key>.<objectType>` (and `<checkpoint_key>.<objectType>.ids` its id set, with `reconcile_interval`). Give every tenant its own when several share a cache. Keys of earlier releases, `<checkpoint_key>/<objectType>`, are read once and moved.").
				Default("revel_poller"),
			service.NewStringAnnotatedEnumField(fFormat, map[string]string{
				"cloud_elements": "A Cloud Elements event notification per message, as its callbacks received.",
				"cloudevents":    "A structured-mode CloudEvents 1.0 JSON event per message: `id` is `revel_event_id`, `type` is `com.revelsystems.<objectType>.<created|updated|deleted>`, `subject` the object id, `time` the updated time, `data` the record. Every message also carries the context attributes as metadata, `ce_*` (Kafka's binary-mode header names) and `ce-*` (HTTP's), so either binding can be produced from headers.",
			}).Description("How each message's body is written: for consumers of Cloud Elements callbacks, or for CloudEvents consumers.").Default("cloud_elements"),
			service.NewStringField(fCloudEventsSrc).
				Description("The CloudEvents `source` of every event; empty derives `<origin>/<objectType>`, e.g. `https://acme.revelup.com/employees`.").
				Default("").Advanced(),
			service.NewIntField(fEventsPerMessage).
				Description("Events per notification, 1 to 10 (Cloud Elements sent up to 10). A notification's `raw` holds the records of its own events. CloudEvents carry one event each.").
				Default(1).LintRule(`root = if this < 1 || this > 10 { ["events_per_message must be between 1 and 10"] }`),
			service.NewStringField(fElementKey).
				Description("The `elementKey` of notifications and events, and part of `topic`.").Default("revel"),
			service.NewObjectField(fInstance,
				service.NewIntField(fInstanceID).Description("`instanceId` and `instance_id`, and part of `topic`.").Default(0),
				service.NewStringField(fInstanceName).Description("`instanceName`.").Default(""),
				service.NewStringListField(fInstanceTags).Description("`instanceTags`.").Default([]any{}),
				service.NewIntField(fAccountID).Description("`accountId`.").Default(0),
				service.NewIntField(fCompanyID).Description("`companyId`.").Default(0),
				service.NewIntField(fUserID).Description("`userId`.").Default(0),
			).Description("The Cloud Elements instance these events claim to come from, so consumers that route on it keep working."),
			service.NewStringField(fRateLimit).
				Description("A `rate_limit` resource every request waits on, shared by all resources of this input.").Default(""),
			service.NewDurationField(fTimeout).
				Description("Limit on each request, body included. A request that times out is retried.").Default("30s"),
			service.NewIntField(fMaxRequests).
				Description("Most pages a resource reads in one poll; 0 is no limit. A backlog (after an outage, or with `start_from: earliest`) larger than this is read over several polls, resuming where it stopped, so catching up stays within an API quota; with `rate_limit` it also stays within a rate. A caught-up poll reads one page.").
				Default(0).Advanced(),
			service.NewIntField(fBackfill).
				Description("Pages a resource reads at once when a cycle finds a backlog (a first backfill with `start_from: earliest`, or catching up after an outage); 1 reads one page at a time. Revel answers a page in about half a second, so a backlog is read at the speed of the API only side by side. Once two pages have shown that the resource honours keyset paging (`order_by=id`, `id__gt`), the rest of the cycle is split into this many id ranges, each paged and checkpointed on its own, so a restart resumes every range where it stood; rows inserted meanwhile fall in the last range. Every request still waits on `rate_limit`, counts against `max_requests_per_poll` and obeys Revel's `Retry-After`, which holds back all ranges. A caught-up poll reads one page, as with 1. An object's changes are never delivered out of order: each id lies in one range.").
				Default(4).Advanced().LintRule(`root = if this < 1 { ["backfill_concurrency must be at least 1"] }`),
			service.NewIntField(fMaxUnackedPages).Advanced().
				Description("Pages per resource that may await acknowledgement before polling pauses; bounds memory whatever the backlog.").
				Default(8).LintRule(`root = if this < 1 { ["max_unacked_pages must be at least 1"] }`),
			service.NewObjectField(fRetryBackoff,
				service.NewDurationField(fInitialInterval).Description("First wait after a failed request.").Default("1s"),
				service.NewDurationField(fMaxInterval).Description("Longest wait between attempts. A 429's Retry-After is honoured whatever it says.").Default("1m"),
			).Advanced().Description("Waits between retries of a failed request (5xx, timeout, malformed body, 429 without Retry-After) and after rejected credentials. Jittered, exponential."),
			service.NewAutoRetryNacksToggleField(),
		).
		LintRule(`root = this.revel_poller_lint()`).
		Example("Employees and timesheets to a callback",
			"Polls two resources every 15 minutes and POSTs each event notification to a callback, as Cloud Elements did.", exampleCallback)
}

func resourceFields() []*service.ConfigField {
	return []*service.ConfigField{
		service.NewStringField(fURL).
			Description("Path and query of the list request, with a date macro for the lower bound. A Cloud Elements hub URL (`/hubs/employee/...?where=...`) is translated. Do not add `limit` or `offset`.").
			Example("/resources/Employee/?updated_date__gte=${{DateTimeZone:PST:yyyy-MM-dd'T'HH:mm:ss.SSS}}"),
		service.NewStringField(fIDField).
			Description("JSON path of the record's id, which becomes `objectId` (dot paths, `[0]` indexes and `['quoted names']`).").
			Example("id"),
		service.NewStringField(fHubKey).Description("The event's `hubKey`: the Cloud Elements hub the resource belonged to, which consumers may route on. Revel's element was in the `employee` hub.").Default("employee"),
		service.NewObjectField(fDates,
			service.NewStringField(fUpdatedField).Description("JSON path of the updated time: the cursor and the change's version.").Default("updated_date"),
			service.NewStringField(fUpdatedFormat).Description("Java SimpleDateFormat pattern of the updated time, or `milliseconds` / `seconds` for epoch numbers. Fractions of any length, or none, match `.SSS`, and a pattern ending at seconds still reads a fraction after them (Revel's `17:31:07.637840`). Zone text in `z` and `Z` is read as Java reads it: `PST` is -08:00 all year, `PDT` -07:00, `GMT-08:00` and `-0800` as written. A record whose time cannot be read is delivered dated at the poll, and again whenever its text changes.").Default(javaDateTime),
			service.NewStringField(fUpdatedZone).Description("Zone of the updated time's naive wall-clock text: set it to the tenant's zone (Revel reports it as `meta.time_zone`). PST follows daylight saving.").Default("PST"),
			service.NewStringField(fCreatedField).Description("JSON path of the created time; empty makes every change UPDATED.").Default("created_date"),
			service.NewStringField(fCreatedFormat).Description("Pattern of the created time. Revel writes both dates alike, so it normally matches `updated_date_format`.").Default(javaDateTime),
			service.NewStringField(fCreatedZone).Description("Zone of the created time. Revel writes both dates in the tenant's zone, so it normally matches `updated_date_timezone`.").Default("PST"),
		).Description("Where and how each record's dates are written, as in Cloud Elements' `datesConfiguration`."),
		service.NewStringField(fCreatedTolerance).
			Description("A record whose updated and created times are at most this far apart is CREATED, otherwise UPDATED; Revel stamps the two separately. A Go duration or a bare number of seconds.").
			Default("1s"),
		service.NewStringField(fDeletedField).
			Description("JSON path of a soft-delete flag (Order, OrderItem, Payment and Customer have `deleted`). A record whose value there equals `deleted_value` is DELETED. Empty disables it.").
			Example("deleted").Default(""),
		service.NewAnyField(fDeletedValue).Description("The value of `deleted_field` that means deleted; `true`, `\"true\"` and `1` match each other.").Default(true),
		service.NewIntField(fPageSize).Description("Overrides the input's `page_size`; 0 inherits it.").Default(0),
		service.NewStringField(fRefreshInterval).Description("Overrides the input's `refresh_interval`; empty inherits it.").Default(""),
		service.NewStringField(fPollDelay).Description("Overrides the input's `poll_delay`; empty inherits it.").Default(""),
		service.NewBoolField(fFilterByUpdated).
			Description("Cloud Elements' `filterByUpdatedDate`. `false` tracks records by their created time instead of their updated time, for resources that have no updated time: the cursor follows `created_date_field` and a record without an updated time is CREATED.").
			Default(true),
		service.NewBoolField(fFilterByCurrent).
			Description("Cloud Elements' `filterByCurrentDate`: leave records changed after the cycle started to the next cycle. The cursor never passes a cycle's start anyway, so this only moves such changes into the next cycle; it never loses or repeats them.").
			Default(false),
		service.NewDurationField(fAudit).
			Description("Completeness audit: this often, list the id and version of every record changed in the last `audit_lookback` (the url with its lower bound moved back, `fields=<id>,<updated>`, 1000 a page, paged by id) and compare it with the ledger of delivered changes. A change older than the cursor that was never delivered (made visible late, skipped by the API's paging) is fetched (`id__in`) and delivered as the event the poll would have made, with the same event id; an id delivered within the window and no longer listed was deleted outright and gets DELETED. Each is counted in `revel_poller_audit_missed_total` and logged at WARN. Its requests count against `max_requests_per_poll` and `rate_limit`; an audit that runs out resumes next poll. The ledger of delivered changes is kept beside the checkpoint (`<checkpoint_key>/<objectType>.ledger` and `.ledger-journal`), updated as messages are acknowledged, so it needs a persistent `checkpoint_cache` to survive restarts. A Go duration; empty disables it. What it catches and what it cannot: docs/guarantees.md.").
			Example("1h").Default(""),
		service.NewDurationField(fAuditLookback).
			Description("How far back the audit lists, by version time: a change missed longer ago than this is not found. Each audit lists every record changed in this window (1000 ids a request), so longer costs more requests; the ledger keeps one entry (16 bytes in memory) per record delivered within it.").
			Default("168h"),
		service.NewDurationField(fAuditFull).
			Description("Find hard deletes of records of any age: this often, list every id of the resource (`fields=id`, paged by id, with the url's filters other than dates) and emit DELETED for ids seen before and now gone. Revel deletes timesheet entries outright, which a changed-since query never sees. The delete time is approximate (the listing's time) and the event's raw record holds only the id. Its requests count against `max_requests_per_poll`, as the audit's do. `audit_interval` finds deletions of records changed within `audit_lookback` sooner; this catches the rest. Empty disables it. Formerly `reconcile_interval`, which is still read.").
			Example("24h").Default(""),
		service.NewDurationField(fReconcile).Deprecated().
			Description("The old name of `audit_full_interval`, still read.").
			Default(""),
		service.NewStringEnumField(fPaging, "auto", "keyset", "offset").Advanced().
			Description("`keyset` pages by primary key (`order_by=id&id__gt=`), immune to rows inserted or deleted between requests; `offset` uses limit/offset with overlapping pages; `auto` uses keyset unless the url has its own `order_by`. Either mode falls back to the other when Revel refuses (400) or ignores `order_by`, `id__gt` or `offset` for the resource, on any page, and the checkpoint remembers it, so a restart does not learn it again. Requests are always built from the url; `meta.next` is never followed, and the page size Revel actually serves is.").
			Default("auto"),
	}
}

const exampleCallback = `
input:
  revel_poller:
    subdomain: ${REVEL_SUBDOMAIN}
    api_key: ${REVEL_API_KEY}
    api_secret: ${REVEL_API_SECRET}
    refresh_interval: 15m
    checkpoint_cache: checkpoints
    resources:
      employees:
        url: /resources/Employee/?updated_date__gte=${{DateTimeZone:PST:yyyy-MM-dd'T'HH:mm:ss.SSS}}
        id_field: id
      timesheets:
        url: /resources/TimeSheetEntry/?updated_date__gte=${{DateTimeZone:PST:yyyy-MM-dd'T'HH:mm:ss.SSS}}
        id_field: id

cache_resources:
  - label: checkpoints
    atomic_file:
      directory: /var/lib/revel-connect

output:
  http_client:
    url: ${CALLBACK_URL}
    verb: POST
    headers:
      Content-Type: application/json
    retries: 10
    backoff_on: [429, 500, 502, 503, 504]
    max_retry_backoff: 5m
`
