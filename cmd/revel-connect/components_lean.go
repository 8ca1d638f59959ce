//go:build !benthos_full

package main

// leftOut are the core components a default build leaves out: they run
// programs (command, subprocess) or open listening sockets for data
// (socket_server, http_server), which in streams mode anyone allowed to
// create a stream could use. `go build -tags benthos_full` keeps them.
var leftOut = []string{"command", "subprocess", "socket_server", "http_server"}
