package main

// Components only the revel-connect binary registers. Redpanda Connect has
// its own kafka_franz output and prometheus exporter, so these live apart
// from plugin/revelpoller: a program that imports our input into Connect
// must not get them too. http_callback is ours alone, but a Connect build
// that wants it imports it explicitly like the others.
import (
	_ "github.com/revel-connect/revel-connect/plugin/httpcallback"
	_ "github.com/revel-connect/revel-connect/plugin/kafkafranz"
	_ "github.com/revel-connect/revel-connect/plugin/prometheus"
)
