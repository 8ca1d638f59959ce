package kafkafranz

import (
	"strings"
	"testing"

	"github.com/redpanda-data/benthos/v4/public/service"
)

func parse(t *testing.T, yaml string) (*config, error) {
	t.Helper()
	pc, err := Spec().ParseYAML(yaml, nil)
	if err != nil {
		t.Fatalf("yaml: %v", err)
	}
	return parseConfig(pc)
}

func TestKafkaSeedBrokersAcceptCommaSeparatedEntries(t *testing.T) {
	c, err := parse(t, `
seed_brokers: [ "a:9092, b:9092", "c:9092", "" ]
topic: events
`)
	if err != nil {
		t.Fatal(err)
	}
	if got := strings.Join(c.brokers, "|"); got != "a:9092|b:9092|c:9092" {
		t.Fatalf("brokers = %s", got)
	}
}

func TestKafkaInvalidConfigsAreRejected(t *testing.T) {
	for name, tc := range map[string]struct{ yaml, want string }{
		"no brokers": {`
seed_brokers: [ " , " ]
topic: events`, "at least one broker"},
		"manual without partition": {`
seed_brokers: [ localhost:9092 ]
topic: events
partitioner: manual`, "partition is required"},
		"partition without manual": {`
seed_brokers: [ localhost:9092 ]
topic: events
partition: "1"`, "only used with partitioner: manual"},
		"sasl without password": {`
seed_brokers: [ localhost:9092 ]
topic: events
sasl:
  - mechanism: PLAIN
    username: u
    password: ""`, "needs a username and a password"},
		"sasl unknown mechanism": {`
seed_brokers: [ localhost:9092 ]
topic: events
sasl:
  - mechanism: GSSAPI
    username: u
    password: p`, `unknown mechanism "GSSAPI"`},
		"max_message_bytes not a size": {`
seed_brokers: [ localhost:9092 ]
topic: events
max_message_bytes: lots`, "max_message_bytes"},
		"max_message_bytes too large": {`
seed_brokers: [ localhost:9092 ]
topic: events
max_message_bytes: 4GiB`, "between 1B and 2GiB"},
		"oauthbearer without token": {`
seed_brokers: [ localhost:9092 ]
topic: events
sasl:
  - mechanism: OAUTHBEARER`, "OAUTHBEARER needs a token"},
		"zero metadata_max_age": {`
seed_brokers: [ localhost:9092 ]
topic: events
metadata_max_age: 0s`, "metadata_max_age must be positive"},
		"zero timeout": {`
seed_brokers: [ localhost:9092 ]
topic: events
timeout: 0s`, "timeout must be positive"},
		"bad topic interpolation": {`
seed_brokers: [ localhost:9092 ]
topic: ${! nope( }`, "topic"},
	} {
		t.Run(name, func(t *testing.T) {
			_, err := parse(t, tc.yaml)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("err = %v, want one mentioning %q", err, tc.want)
			}
		})
	}
}

func TestKafkaLintCatchesMistakesBeforeRunning(t *testing.T) {
	linter := service.GlobalEnvironment().FullConfigSchema("", "").NewStreamConfigLinter()
	for name, tc := range map[string]struct{ yaml, want string }{
		"compression": {`
seed_brokers: [ localhost:9092 ]
topic: events
compression: brotli`, "brotli"},
		"partitioner": {`
seed_brokers: [ localhost:9092 ]
topic: events
partitioner: sticky`, "sticky"},
		"manual without partition": {`
seed_brokers: [ localhost:9092 ]
topic: events
partitioner: manual`, "partition is required when partitioner is manual"},
		"partition without manual": {`
seed_brokers: [ localhost:9092 ]
topic: events
partition: "2"`, "partition is only used with partitioner: manual"},
		"sasl mechanism": {`
seed_brokers: [ localhost:9092 ]
topic: events
sasl: [ { mechanism: AWS_MSK_IAM, username: u, password: p } ]`, "AWS_MSK_IAM"},
	} {
		t.Run(name, func(t *testing.T) {
			conf := "output:\n  kafka_franz:\n" + indent(tc.yaml)
			lints, err := linter.LintYAML([]byte(conf))
			if err != nil {
				t.Fatal(err)
			}
			var all []string
			for _, l := range lints {
				all = append(all, l.What)
			}
			if !strings.Contains(strings.Join(all, "\n"), tc.want) {
				t.Fatalf("lints %q, want one mentioning %q", all, tc.want)
			}
		})
	}
}

func TestKafkaValidConfigLintsClean(t *testing.T) {
	linter := service.GlobalEnvironment().FullConfigSchema("", "").NewStreamConfigLinter()
	for _, yaml := range []string{
		"seed_brokers: [ localhost:9092 ]\ntopic: events",
		"seed_brokers: [ localhost:9092 ]\ntopic: events\npartitioner: manual\npartition: ${! 1 }",
	} {
		lints, err := linter.LintYAML([]byte("output:\n  kafka_franz:\n" + indent(yaml)))
		if err != nil || len(lints) > 0 {
			t.Errorf("%s: err %v, lints %v", yaml, err, lints)
		}
	}
}

func TestKafkaSASLPasswordIsASecret(t *testing.T) {
	view, ok := service.GlobalEnvironment().GetOutputConfig("kafka_franz")
	if !ok {
		t.Fatal("kafka_franz is not registered")
	}
	data, err := view.TemplateData()
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range data.Fields {
		if f.FullName == "sasl[].password" {
			if !f.IsSecret {
				t.Fatal("sasl password is not marked secret")
			}
			return
		}
	}
	t.Fatal("sasl password field not found")
}

func indent(s string) string {
	lines := strings.Split(strings.TrimSpace(s), "\n")
	for i, l := range lines {
		lines[i] = "    " + l
	}
	return strings.Join(lines, "\n") + "\n"
}
