// Package httpcallback is the http_callback Benthos output: it POSTs each
// message to a callback URL, waits as long as the callback asks with
// Retry-After, and never drops a message. Import it for its side effect.
package httpcallback

import (
	"github.com/redpanda-data/benthos/v4/public/service"
)

// Field names: http_client's, where the meaning is the same.
const (
	fURL          = "url"
	fVerb         = "verb"
	fHeaders      = "headers"
	fMetadata     = "metadata"
	fTimeout      = "timeout"
	fRetryPeriod  = "retry_period"
	fMaxBackoff   = "max_retry_backoff"
	fSuccessfulOn = "successful_on"
	fTLS          = "tls"
	fBatching     = "batching"
)

// Spec describes http_callback's configuration; the reference docs are
// generated from it.
func Spec() *service.ConfigSpec {
	return service.NewConfigSpec().
		Beta().
		Categories("Network").
		Summary("Sends each message to a callback URL, waiting as long as the callback asks (Retry-After) and retrying until it accepts the message: nothing is dropped.").
		Description(`
Field names follow Benthos' `+"`http_client`"+` output. What differs is what happens when the callback does not accept a message:

- **Retry-After is obeyed.** A response with a `+"`Retry-After`"+` header (delay-seconds or an HTTP-date, RFC 9110), typically a 429 or 503, stops every request of this output until that time, including those of other batches in flight: none is sent before it. `+"`http_client`"+` ignores the header and calls again after `+"`retry_period`"+`. Requests already sent when the answer arrives cannot be recalled; set `+"`max_in_flight: 1`"+` for none at all.
- **Nothing is dropped.** A failed request (a status outside 2xx and `+"`successful_on`"+`, a timeout, a connection error) is retried, waiting the time the callback named or else from `+"`retry_period`"+` doubling up to `+"`max_retry_backoff`"+`, for as long as it takes. There is no retry count: the input's checkpoint waits behind the message, so however long the callback asks to wait, every change is delivered once it accepts them. When the pipeline stops meanwhile, the message is rejected and revel_poller sends it again after a restart.
- **A message is sent once it is accepted.** Messages of a batch are sent one by one, in order, and a retry sends only the message that failed, never one the callback has accepted; `+"`http_client`"+` rejects the whole batch and it is sent again.

Each message is one request whose body is the message. Only revel-connect's own binary registers this output.

### Metrics

`+"`http_callback_retries_total`"+` counts failed requests that are retried, with `+"`status`"+`: the HTTP status, or `+"`error`"+` when none came back. `+"`http_callback_throttled_total`"+` counts responses that named a time with Retry-After.
`).
		Fields(
			service.NewInterpolatedStringField(fURL).
				Description("The callback URL, interpolated per message.").
				Example("https://example.com/revel-events").Example("${CALLBACK_URL}").
				LintRule(urlLintRule),
			service.NewStringField(fVerb).
				Description("The HTTP method.").
				Default("POST"),
			service.NewInterpolatedStringMapField(fHeaders).
				Description("Request headers, interpolated per message.").
				Example(map[string]any{"Content-Type": "application/json", "Elements-Webhook-Id": "${! @revel_event_id }"}).
				Default(map[string]any{"Content-Type": "application/json"}),
			service.NewMetadataFilterField(fMetadata).
				Description("Message metadata sent as headers as well, such as CloudEvents' `ce-` attributes in binary mode. None by default.").
				Example(map[string]any{"include_patterns": []any{"^ce-(specversion|id|source|type|subject|time)$"}}).
				Optional().Advanced(),
			service.NewDurationField(fTimeout).
				Description("How long one request may take, including reading the response, before it counts as failed and is retried.").
				Default("10s"),
			service.NewDurationField(fRetryPeriod).
				Description("The first wait after a failure that names no Retry-After; it doubles with each further failure of the same message. Also the shortest wait, so that a callback answering `Retry-After: 0` is not called in a tight loop.").
				Default("1s"),
			service.NewDurationField(fMaxBackoff).
				Description("The longest wait after a failure that names no Retry-After. A Retry-After is obeyed however long it is.").
				Default("5m"),
			service.NewIntListField(fSuccessfulOn).
				Description("Statuses outside 2xx that count as delivered: the message is then discarded. Use it for a status by which the callback says it will never take the message, such as 409 Conflict for a repeat; every other status is retried.").
				Example([]int{409}).
				Default([]any{}).Advanced(),
			service.NewTLSToggledField(fTLS),
			service.NewOutputMaxInFlightField().
				Description("Batches sent at the same time. Each batch's messages go one after another, in order.").
				Default(16),
			service.NewBatchPolicyField(fBatching),
		).
		Example("A Cloud Elements callback",
			"POSTs each revel_poller notification with its event id, as Cloud Elements did.", `
output:
  http_callback:
    url: ${CALLBACK_URL}
    headers:
      Content-Type: application/json
      Elements-Webhook-Id: ${! @revel_event_id }
    timeout: 10s
`)
}
