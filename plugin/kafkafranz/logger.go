package kafkafranz

import (
	"github.com/redpanda-data/benthos/v4/public/service"
	"github.com/twmb/franz-go/pkg/kgo"
)

// kgoLogger passes franz-go's logs to Benthos' logger, so broker connection
// problems and rejected batches show up with the pipeline's other logs. kgo's
// info level, which narrates every metadata refresh, becomes debug.
type kgoLogger struct {
	log *service.Logger
}

func (l kgoLogger) Level() kgo.LogLevel { return kgo.LogLevelInfo }

func (l kgoLogger) Log(level kgo.LogLevel, msg string, keyvals ...any) {
	log := l.log.With(keyvals...)
	switch level {
	case kgo.LogLevelError:
		log.Error(msg)
	case kgo.LogLevelWarn:
		log.Warn(msg)
	default:
		log.Debug(msg)
	}
}
