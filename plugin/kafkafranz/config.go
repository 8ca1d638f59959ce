package kafkafranz

import (
	"errors"
	"strings"
	"time"

	"github.com/redpanda-data/benthos/v4/public/service"
	"github.com/twmb/franz-go/pkg/kgo"
)

// config is a checked kafka_franz configuration.
type config struct {
	brokers []string
	// clientOpts configure the franz-go client: brokers, security and
	// producer behaviour.
	clientOpts []kgo.Opt
	topic      *service.InterpolatedString
	key        *service.InterpolatedString
	// partition is set only with the manual partitioner.
	partition *service.InterpolatedString
	// headers is nil when no metadata becomes headers.
	headers *service.MetadataFilter
	// timestampMs is nil when records take the time of writing.
	timestampMs *service.InterpolatedString
	timeout     time.Duration
}

func parseConfig(pc *service.ParsedConfig) (*config, error) {
	c := &config{}
	var err error
	if c.brokers, err = seedBrokers(pc); err != nil {
		return nil, err
	}
	if c.topic, err = pc.FieldInterpolatedString(fTopic); err != nil {
		return nil, err
	}
	if c.key, err = pc.FieldInterpolatedString(fKey); err != nil {
		return nil, err
	}
	partitioner, err := pc.FieldString(fPartitioner)
	if err != nil {
		return nil, err
	}
	switch hasPartition := pc.Contains(fPartition); {
	case partitioner == manual && !hasPartition:
		return nil, errors.New("partition is required when partitioner is manual")
	case partitioner != manual && hasPartition:
		return nil, errors.New("partition is only used with partitioner: manual")
	case hasPartition:
		if c.partition, err = pc.FieldInterpolatedString(fPartition); err != nil {
			return nil, err
		}
	}
	if pc.Contains(fMetadata) {
		if c.headers, err = pc.FieldMetadataFilter(fMetadata); err != nil {
			return nil, err
		}
		if c.headers.IsEmpty() {
			c.headers = nil
		}
	}
	if pc.Contains(fTimestampMs) {
		if c.timestampMs, err = pc.FieldInterpolatedString(fTimestampMs); err != nil {
			return nil, err
		}
	}
	if c.timeout, err = pc.FieldDuration(fTimeout); err != nil {
		return nil, err
	}
	if c.timeout <= 0 {
		return nil, errors.New("timeout must be positive")
	}
	if c.clientOpts, err = clientOptions(pc, c.brokers, partitioner); err != nil {
		return nil, err
	}
	return c, nil
}

// seedBrokers flattens seed_brokers, splitting comma-separated entries, so
// that one environment variable can hold the whole list.
func seedBrokers(pc *service.ParsedConfig) ([]string, error) {
	entries, err := pc.FieldStringList(fSeedBrokers)
	if err != nil {
		return nil, err
	}
	var brokers []string
	for _, e := range entries {
		for _, b := range strings.Split(e, ",") {
			if b = strings.TrimSpace(b); b != "" {
				brokers = append(brokers, b)
			}
		}
	}
	if len(brokers) == 0 {
		return nil, errors.New("seed_brokers must name at least one broker")
	}
	return brokers, nil
}
