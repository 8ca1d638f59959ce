package main

// Secure defaults for Benthos' run and streams commands (docs/security.md):
// Benthos' HTTP server binds to loopback unless the config says otherwise,
// and streams mode, whose REST API creates and reads pipelines, refuses to
// serve that API beyond loopback without authentication.

import (
	"errors"
	"fmt"
	"net"
	"strings"
	"sync"

	"github.com/redpanda-data/benthos/v4/public/service"
	"github.com/urfave/cli/v2"
)

// defaultHTTPAddress replaces Benthos' 0.0.0.0:4195 as http.address's
// default. The container image sets 0.0.0.0:4195 itself.
const defaultHTTPAddress = "127.0.0.1:4195"

// flagAllowUnauthenticatedAPI lets streams mode serve its API beyond loopback
// without http.basic_auth, for operators who authenticate in a proxy.
const flagAllowUnauthenticatedAPI = "allow-unauthenticated-api"

// errUnauthenticatedAPI is the one message streams mode refuses to start with.
var errUnauthenticatedAPI = errors.New("streams mode will not serve its REST API, which creates, reads and deletes " +
	"pipelines and their credentials, unauthenticated beyond loopback: set http.basic_auth " +
	"(enabled, username, password_hash, algorithm, salt), or bind http.address to 127.0.0.1, " +
	"or pass --no-api; if a proxy in front authenticates every request, pass --" + flagAllowUnauthenticatedAPI)

// listenerPolicy is what decides whether a Benthos HTTP server may start.
type listenerPolicy struct {
	streamsMode    bool   // the streams command: the REST API is served
	noAPI          bool   // streams --no-api: no REST API
	allowUnauthAPI bool   // --allow-unauthenticated-api
	enabled        bool   // http.enabled
	address        string // http.address
	basicAuth      bool   // http.basic_auth.enabled
	tls            bool   // http.cert_file set
}

// check returns an error when the server must not start, and warnings to
// log when it may. Pure, so that every case is a table row.
func (p listenerPolicy) check() (warnings []string, err error) {
	if !p.enabled || loopbackOnly(p.address) {
		return nil, nil
	}
	switch {
	case p.basicAuth && !p.tls:
		warnings = append(warnings, fmt.Sprintf("http.basic_auth on %s without TLS sends passwords in clear: "+
			"set http.cert_file and http.key_file, or terminate TLS in a proxy", p.address))
	case p.basicAuth:
	case !p.streamsMode || p.noAPI:
		// run mode, and streams mode without its API, serve /ping, /ready,
		// /metrics and the like: read-only, and what probes need.
	case p.allowUnauthAPI:
		warnings = append(warnings, fmt.Sprintf("the streams REST API on %s has no authentication of its own "+
			"(--%s): anyone who reaches it unauthenticated can create, read and delete pipelines", p.address, flagAllowUnauthenticatedAPI))
	default:
		return nil, errUnauthenticatedAPI
	}
	return warnings, nil
}

// loopbackOnly reports whether a listener on addr (host:port, as
// http.address takes it) accepts connections from this machine only. An
// empty host means every interface; host names other than localhost count
// as reachable, since they may resolve to anything.
func loopbackOnly(addr string) bool {
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		return false
	}
	if strings.EqualFold(host, "localhost") {
		return true
	}
	host, _, _ = strings.Cut(host, "%") // an IPv6 zone
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// cliSecurity carries what the CLI hooks learn from each other: flags from
// the run flags' extract function, the logger from logger init.
type cliSecurity struct {
	env    *service.Environment
	mu     sync.Mutex
	policy listenerPolicy
	logger *service.Logger
}

// secureCLIOpts returns the CLI options that make Benthos' commands secure
// by default, for a CLI running with env.
func secureCLIOpts(env *service.Environment) []service.CLIOptFunc {
	s := &cliSecurity{env: env}
	return []service.CLIOptFunc{
		service.CLIOptSetEnvironment(env),
		service.CLIOptSetMainSchemaFrom(func() *service.ConfigSchema {
			schema := env.FullConfigSchema(version, dateBuilt)
			schema.SetFieldDefault(defaultHTTPAddress, "http", "address")
			return schema
		}),
		service.CLIOptCustomRunFlags([]cli.Flag{
			&cli.BoolFlag{
				Name: flagAllowUnauthenticatedAPI,
				Usage: "streams mode: serve the REST API beyond loopback without http.basic_auth, " +
					"because a proxy in front authenticates (logged at WARN)",
			},
		}, s.readFlags),
		service.CLIOptOnLoggerInit(func(l *service.Logger) {
			logVersions(l)
			s.mu.Lock()
			s.logger = l
			s.mu.Unlock()
		}),
		service.CLIOptOnConfigParse(s.checkListener),
	}
}

// readFlags runs first in run and streams (and echo, whose context lacks
// these flags: they read as false).
func (s *cliSecurity) readFlags(c *cli.Context) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.policy.streamsMode = c.Command != nil && c.Command.Name == "streams"
	s.policy.noAPI = s.policy.streamsMode && c.Bool("no-api")
	s.policy.allowUnauthAPI = c.Bool(flagAllowUnauthenticatedAPI)
	return nil
}

// checkListener runs once the main config is parsed, before streams mode
// registers its REST API: a refusal here means that API is never served.
func (s *cliSecurity) checkListener(conf *service.ParsedConfig) error {
	s.mu.Lock()
	p := s.policy
	logger := s.logger
	s.mu.Unlock()
	var err error
	if p.enabled, err = conf.FieldBool("http", "enabled"); err != nil {
		return err
	}
	if p.address, err = conf.FieldString("http", "address"); err != nil {
		return err
	}
	if p.basicAuth, err = conf.FieldBool("http", "basic_auth", "enabled"); err != nil {
		return err
	}
	cert, err := conf.FieldString("http", "cert_file")
	if err != nil {
		return err
	}
	p.tls = cert != ""
	warnings, err := p.check()
	if err != nil {
		return err
	}
	if p.streamsMode && !p.noAPI {
		guard := newAPIGuard(s.env, loopbackOnly(p.address) && !p.basicAuth)
		if err := guardStreamsAPI(conf, guard); err != nil {
			return fmt.Errorf("%w (%v)", errNoGuard, err)
		}
	}
	if logger != nil {
		for _, w := range warnings {
			logger.Warn(w)
		}
	}
	return nil
}
