package main

// Components only the revel-connect binary registers. Redpanda Connect has
// its own kafka_franz output and prometheus exporter, so these live apart
// from plugin/revelpoller: a program that imports our input into Connect
// must not get them too.
import (
	_ "github.com/revel-connect/revel-connect/plugin/kafkafranz"
	_ "github.com/revel-connect/revel-connect/plugin/prometheus"
)
