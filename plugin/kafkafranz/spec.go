package kafkafranz

import (
	"github.com/redpanda-data/benthos/v4/public/service"
)

// Field names: the ones Redpanda Connect's kafka_franz uses, so its users'
// configs and habits carry over.
const (
	fSeedBrokers     = "seed_brokers"
	fTopic           = "topic"
	fKey             = "key"
	fPartitioner     = "partitioner"
	fPartition       = "partition"
	fMetadata        = "metadata"
	fCompression     = "compression"
	fIdempotentWrite = "idempotent_write"
	fMaxInFlight     = "max_in_flight"
	fBatching        = "batching"
	fTLS             = "tls"
	fSASL            = "sasl"
	fMechanism       = "mechanism"
	fUsername        = "username"
	fPassword        = "password"
	fTimeout         = "timeout"
	fClientID        = "client_id"
	fMaxMessageBytes = "max_message_bytes"
	fAutoTopics      = "allow_auto_topic_creation"
	fToken           = "token"
	fExtensions      = "extensions"
	fMetadataMaxAge  = "metadata_max_age"
	fTimestampMs     = "timestamp_ms"
	fRackID          = "rack_id"
)

// defaultKey keys every event by its object, so that all events of one
// record hash to one partition and keep their order there.
const defaultKey = "${! @revel_object_type }/${! @revel_object_id }"

// Partitioners.
const (
	murmur2Hash = "murmur2_hash"
	roundRobin  = "round_robin"
	leastBackup = "least_backup"
	manual      = "manual"
)

// Spec describes kafka_franz's configuration; the reference docs are
// generated from it.
func Spec() *service.ConfigSpec {
	return service.NewConfigSpec().
		Beta().
		Categories("Services").
		Summary("Writes messages to Kafka or Redpanda with the franz-go client, keyed so that the events of one Revel object stay in order.").
		Description(`
Field names follow Redpanda Connect's `+"`kafka_franz`"+` output, so a pipeline written for it needs few changes. Only revel-connect's own binary registers this output: Go programs that import the revel_poller input into Redpanda Connect keep Connect's own.

### Keys and ordering

The default `+"`key`"+` is `+"`<revel_object_type>/<revel_object_id>`"+`, for example `+"`employees/42`"+`, and the default `+"`murmur2_hash`"+` partitioner hashes it as the Java client does, so every event of one object lands in one partition, in the order produced. `+"`max_in_flight: 1`"+` (the default) writes one batch at a time, so that order holds across batches too. Processors that must run first belong in the output's own `+"`processors`"+`, which keep order, not in `+"`pipeline.processors`"+`, which run on every CPU at once. A message without revel_poller metadata renders `+"`null/null`"+`; set `+"`key`"+` for other inputs.

### Delivery guarantees

At least once. The client retries transient broker errors itself, with idempotent writes so that those retries neither duplicate nor reorder. A batch that still fails (a broker rejects a record, or `+"`timeout`"+` passes) is rejected as a whole, and Benthos sends it again: revel_poller replays it, and a `+"`broker`"+` output retries it. Nothing is lost. The whole batch is written again, so that each object's events are rewritten in order and its newest event is again the last in its partition; records of the batch that had been written are duplicated. Consumers can drop a record whose `+"`revel_event_id`"+` they have seen: map that metadata to a header with `+"`metadata`"+`.
`).
		Fields(
			service.NewStringListField(fSeedBrokers).
				Description("Brokers to bootstrap from; the client discovers the rest of the cluster from them. Each entry may hold several addresses separated by commas, so a single environment variable can carry the list.").
				Examples([]string{"localhost:9092"}, []string{"broker-1:9092", "broker-2:9092"}, []string{"${KAFKA_BROKERS}"}),
			service.NewInterpolatedStringField(fTopic).
				Description("The topic each message is written to. Interpolated per message, so one output can route by resource, e.g. `revel-${! @revel_object_type }`.").
				Examples("revel-events", "revel-${! @revel_object_type }"),
			service.NewInterpolatedStringField(fKey).
				Description("The record key, interpolated per message. The default keys each event by its object, so that one object's events share a partition and keep their order; an empty result writes the record without a key.").
				Default(defaultKey),
			service.NewStringAnnotatedEnumField(fPartitioner, map[string]string{
				murmur2Hash: "Hashes the key with murmur2, as Kafka's Java client does, so keyed records land where other clients would put them and one key stays in one partition. Records without a key are spread in sticky batches.",
				roundRobin:  "Ignores the key and takes each partition in turn: even load, but no per-object order.",
				leastBackup: "Ignores the key and picks the partition with the fewest buffered records: routes around a slow broker, but no per-object order.",
				manual:      "Writes each record to the partition that `partition` renders.",
			}).
				Description("How a record's partition is chosen.").
				Default(murmur2Hash),
			service.NewInterpolatedStringField(fPartition).
				Description("With `partitioner: manual`, the partition number of each record, interpolated per message. A record whose partition does not exist fails.").
				Example(`${! meta("partition") }`).
				Optional().Advanced(),
			service.NewMetadataFilterField(fMetadata).
				Description("Which message metadata become record headers. None by default; `include_prefixes: [revel_]` gives consumers the event id (to drop repeats) and type without parsing the value. The value of every header is the metadata value as text.").
				Example(map[string]any{"include_prefixes": []any{"revel_"}}).
				Example(map[string]any{"include_patterns": []any{"^revel_event_(id|type)$"}}).
				Optional(),
			service.NewStringEnumField(fCompression, "none", "gzip", "snappy", "lz4", "zstd").
				Description("Compression of record batches. JSON events compress well; snappy is cheap and every Kafka client reads it. zstd needs Kafka 2.1 or later on brokers and consumers.").
				Default("snappy"),
			service.NewBoolField(fIdempotentWrite).
				Description("Idempotent production: the broker drops a batch the client retried after a lost reply, so transient errors cause neither duplicates nor reordering. Disable only if the principal lacks the IDEMPOTENT_WRITE permission (clusters before Kafka 3.0).").
				Default(true).Advanced(),
			service.NewOutputMaxInFlightField().
				Description("Batches written at the same time. With 1, a batch is written only once the previous one is acknowledged, which keeps each object's events in order across batches. Higher values raise throughput when the broker is far away, but a later batch may then land before an earlier one, so one object's events can arrive out of order.").
				Default(1),
			service.NewBatchPolicyField(fBatching),
			service.NewTLSToggledField(fTLS),
			service.NewObjectListField(fSASL,
				service.NewStringAnnotatedEnumField(fMechanism, map[string]string{
					"PLAIN":         "Plain text username and password; use it only with TLS.",
					"SCRAM-SHA-256": "Salted challenge-response with SHA-256: the password never crosses the wire.",
					"SCRAM-SHA-512": "Salted challenge-response with SHA-512.",
					"OAUTHBEARER":   "A bearer token (`token`), with optional `extensions`; use it only with TLS.",
				}).Description("The SASL mechanism."),
				service.NewStringField(fUsername).Description("The user to authenticate as (PLAIN, SCRAM).").Default(""),
				service.NewStringField(fPassword).Secret().Description("The user's password (PLAIN, SCRAM). Set it from an environment variable; it is redacted from `echo` and never logged.").Default(""),
				service.NewStringField(fToken).Secret().Description("The bearer token (OAUTHBEARER), used for every connection; the pipeline must be restarted with a new one before it expires. Redacted from `echo` and never logged.").Default(""),
				service.NewStringMapField(fExtensions).Description("Key-value pairs sent with the token (OAUTHBEARER), as some brokers require (Confluent Cloud: `logicalCluster`, `identityPoolId`).").Optional(),
			).
				Description("SASL authentication. The client offers the mechanisms in order and uses the first the broker accepts.").
				Example([]any{map[string]any{fMechanism: "SCRAM-SHA-256", fUsername: "revel-connect", fPassword: "${KAFKA_PASSWORD}"}}).
				Optional(),
			service.NewDurationField(fTimeout).
				Description("How long a batch may take to be written, including the client's own retries, before it is rejected for Benthos to send again. Records already sent to a broker are waited for until it answers, so that idempotent writes can still drop a duplicate. It also bounds the connection check.").
				Default("10s"),
			service.NewStringField(fClientID).
				Description("The client id brokers log and apply quotas to.").
				Default("revel-connect").Advanced(),
			service.NewStringField(fMaxMessageBytes).
				Description("The largest record batch sent, uncompressed. Keep it at or below the topic's `max.message.bytes` (1MB by default), or the broker rejects batches. Accepts units such as `1MB` or `512KiB`.").
				Default("1MB").Advanced(),
			service.NewDurationField(fMetadataMaxAge).
				Description("How old the client's view of the cluster (brokers, partitions, leaders) may grow before it is fetched again.").
				Default("5m").Advanced(),
			service.NewInterpolatedStringField(fTimestampMs).
				Description("The record's timestamp, in milliseconds since the Unix epoch, per message; empty uses the time of writing.").
				Example("${! timestamp_unix_milli() }").
				Example(`${! meta("revel_event_date").ts_parse("2006-01-02T15:04:05Z07:00").ts_unix_milli() }`).
				Optional().Advanced(),
			service.NewStringField(fRackID).
				Description("Accepted so that Redpanda Connect configs load: it is deprecated there and has no effect on its output, nor here.").
				Deprecated().Optional(),
			service.NewBoolField(fAutoTopics).
				Description("Whether a missing topic may be created by the broker (if its `auto.create.topics.enable` allows). Disable it to fail instead when a topic name is mistyped.").
				Default(true).Advanced(),
		).
		LintRule(`root = if this.partitioner == "manual" && this.partition.or("") == "" {
  ["partition is required when partitioner is manual"]
} else if this.partitioner != "manual" && this.partition.or("") != "" {
  ["partition is only used with partitioner: manual"]
}`).
		Example("Revel events to Kafka",
			"Writes each revel_poller event to one topic, keyed by object, with the event's metadata as headers.", exampleRevelEvents).
		Example("SASL over TLS",
			"Authenticates with SCRAM, over TLS, to a managed cluster.", exampleSASL)
}

const exampleRevelEvents = `
output:
  kafka_franz:
    seed_brokers: [ "${KAFKA_BROKERS:localhost:9092}" ]
    topic: revel-events
    metadata:
      include_prefixes: [ revel_ ]
    batching:
      count: 100
      period: 1s
`

const exampleSASL = `
output:
  kafka_franz:
    seed_brokers: [ "${KAFKA_BROKERS}" ]
    topic: revel-events
    tls:
      enabled: true
    sasl:
      - mechanism: SCRAM-SHA-512
        username: ${KAFKA_USER}
        password: ${KAFKA_PASSWORD}
`
