package kafkafranz

import (
	"fmt"
	"math"

	"github.com/dustin/go-humanize"
	"github.com/redpanda-data/benthos/v4/public/service"
	"github.com/twmb/franz-go/pkg/kgo"
	"github.com/twmb/franz-go/pkg/sasl"
	"github.com/twmb/franz-go/pkg/sasl/oauth"
	"github.com/twmb/franz-go/pkg/sasl/plain"
	"github.com/twmb/franz-go/pkg/sasl/scram"
)

// clientOptions turns the connection and producer fields into franz-go
// options. Acknowledgement by all in-sync replicas is kgo's default and is
// kept: idempotent writes require it, and a record acknowledged by the
// leader alone can still be lost.
func clientOptions(pc *service.ParsedConfig, brokers []string, partitioner string) ([]kgo.Opt, error) {
	opts := []kgo.Opt{kgo.SeedBrokers(brokers...)}

	p, err := newPartitioner(partitioner)
	if err != nil {
		return nil, err
	}
	opts = append(opts, kgo.RecordPartitioner(p))

	codec, err := pc.FieldString(fCompression)
	if err != nil {
		return nil, err
	}
	c, err := compression(codec)
	if err != nil {
		return nil, err
	}
	opts = append(opts, kgo.ProducerBatchCompression(c))

	idempotent, err := pc.FieldBool(fIdempotentWrite)
	if err != nil {
		return nil, err
	}
	if !idempotent {
		opts = append(opts, kgo.DisableIdempotentWrite())
	}

	tlsConf, tlsEnabled, err := pc.FieldTLSToggled(fTLS)
	if err != nil {
		return nil, err
	}
	if tlsEnabled {
		opts = append(opts, kgo.DialTLSConfig(tlsConf))
	}

	if pc.Contains(fSASL) {
		mechs, err := saslMechanisms(pc)
		if err != nil {
			return nil, err
		}
		if len(mechs) > 0 {
			opts = append(opts, kgo.SASL(mechs...))
		}
	}

	clientID, err := pc.FieldString(fClientID)
	if err != nil {
		return nil, err
	}
	opts = append(opts, kgo.ClientID(clientID))

	maxBytes, err := maxMessageBytes(pc)
	if err != nil {
		return nil, err
	}
	opts = append(opts, kgo.ProducerBatchMaxBytes(maxBytes))

	maxAge, err := pc.FieldDuration(fMetadataMaxAge)
	if err != nil {
		return nil, err
	}
	if maxAge <= 0 {
		return nil, fmt.Errorf("metadata_max_age must be positive, got %s", maxAge)
	}
	opts = append(opts, kgo.MetadataMaxAge(maxAge))

	autoTopics, err := pc.FieldBool(fAutoTopics)
	if err != nil {
		return nil, err
	}
	if autoTopics {
		opts = append(opts, kgo.AllowAutoTopicCreation())
	}
	return opts, nil
}

func newPartitioner(name string) (kgo.Partitioner, error) {
	switch name {
	case murmur2Hash:
		// nil hasher: Kafka's murmur2, as the Java client hashes keys.
		return kgo.StickyKeyPartitioner(nil), nil
	case roundRobin:
		return kgo.RoundRobinPartitioner(), nil
	case leastBackup:
		return kgo.LeastBackupPartitioner(), nil
	case manual:
		return kgo.ManualPartitioner(), nil
	}
	return nil, fmt.Errorf("unknown partitioner %q", name)
}

func compression(name string) (kgo.CompressionCodec, error) {
	switch name {
	case "none":
		return kgo.NoCompression(), nil
	case "gzip":
		return kgo.GzipCompression(), nil
	case "snappy":
		return kgo.SnappyCompression(), nil
	case "lz4":
		return kgo.Lz4Compression(), nil
	case "zstd":
		return kgo.ZstdCompression(), nil
	}
	return kgo.CompressionCodec{}, fmt.Errorf("unknown compression %q", name)
}

func saslMechanisms(pc *service.ParsedConfig) ([]sasl.Mechanism, error) {
	entries, err := pc.FieldObjectList(fSASL)
	if err != nil {
		return nil, err
	}
	mechs := make([]sasl.Mechanism, 0, len(entries))
	for i, e := range entries {
		name, err := e.FieldString(fMechanism)
		if err != nil {
			return nil, err
		}
		if name == "OAUTHBEARER" {
			m, err := oauthBearer(e, i)
			if err != nil {
				return nil, err
			}
			mechs = append(mechs, m)
			continue
		}
		user, err := e.FieldString(fUsername)
		if err != nil {
			return nil, err
		}
		pass, err := e.FieldString(fPassword)
		if err != nil {
			return nil, err
		}
		if user == "" || pass == "" {
			return nil, fmt.Errorf("sasl[%d]: %s needs a username and a password", i, name)
		}
		switch name {
		case "PLAIN":
			mechs = append(mechs, plain.Auth{User: user, Pass: pass}.AsMechanism())
		case "SCRAM-SHA-256":
			mechs = append(mechs, scram.Auth{User: user, Pass: pass}.AsSha256Mechanism())
		case "SCRAM-SHA-512":
			mechs = append(mechs, scram.Auth{User: user, Pass: pass}.AsSha512Mechanism())
		default:
			return nil, fmt.Errorf("sasl[%d]: unknown mechanism %q", i, name)
		}
	}
	return mechs, nil
}

// oauthBearer is sasl entry i's OAUTHBEARER mechanism: a fixed token and
// its extensions.
func oauthBearer(e *service.ParsedConfig, i int) (sasl.Mechanism, error) {
	token, err := e.FieldString(fToken)
	if err != nil {
		return nil, err
	}
	if token == "" {
		return nil, fmt.Errorf("sasl[%d]: OAUTHBEARER needs a token", i)
	}
	var ext map[string]string
	if e.Contains(fExtensions) {
		if ext, err = e.FieldStringMap(fExtensions); err != nil {
			return nil, err
		}
	}
	return oauth.Auth{Token: token, Extensions: ext}.AsMechanism(), nil
}

func maxMessageBytes(pc *service.ParsedConfig) (int32, error) {
	s, err := pc.FieldString(fMaxMessageBytes)
	if err != nil {
		return 0, err
	}
	n, err := humanize.ParseBytes(s)
	if err != nil {
		return 0, fmt.Errorf("max_message_bytes: %w", err)
	}
	if n == 0 || n > math.MaxInt32 {
		return 0, fmt.Errorf("max_message_bytes must be between 1B and 2GiB, got %s", s)
	}
	return int32(n), nil
}
