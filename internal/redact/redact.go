// Package redact hides credentials in text meant for people: the user info
// of URLs, and values known to be secret.
package redact

import (
	"regexp"
	"sort"
	"strings"
)

// Mask replaces what is hidden, as net/url's URL.Redacted writes a password.
const Mask = "xxxxx"

// minSecret is the shortest value Values hides: shorter ones would mask
// unrelated text and say little about the secret anyway.
const minSecret = 4

// userInfo matches a URL's scheme and user info: what sits between "://"
// and the first "@" before any "/", "?", "#", white space or quote.
var userInfo = regexp.MustCompile(`([A-Za-z][A-Za-z0-9+.\-]*://)([^/?#@\s"'<>\x60]*)@`)

// secretParam matches a query parameter whose name says it carries a
// credential (token, key, secret, password, signature, auth), up to its
// value.
var secretParam = regexp.MustCompile(`(?i)([?&][A-Za-z0-9_.\-]*(?:token|key|secret|passw|pwd|signature|sig|auth)[A-Za-z0-9_.\-]*=)([^&#\s"'<>\x60]+)`)

// URLs hides the user info of every URL in s, and the values of query
// parameters named like credentials (?token=, &api_key=, ...). A password
// becomes Mask and its user stays, as in URL.Redacted; a user without a
// password becomes Mask too, since tokens are often passed that way.
func URLs(s string) string {
	if strings.Contains(s, "=") {
		s = secretParam.ReplaceAllString(s, "${1}"+Mask)
	}
	if !strings.Contains(s, "@") {
		return s
	}
	return userInfo.ReplaceAllStringFunc(s, func(m string) string {
		sub := userInfo.FindStringSubmatch(m)
		scheme, info := sub[1], sub[2]
		if info == "" {
			return m
		}
		if user, _, ok := strings.Cut(info, ":"); ok {
			return scheme + user + ":" + Mask + "@"
		}
		return scheme + Mask + "@"
	})
}

// Values replaces every occurrence in s of each secret at least minSecret
// bytes long with Mask, longest first so that one secret containing
// another is hidden whole.
func Values(s string, secrets []string) string {
	sorted := append([]string(nil), secrets...)
	sort.Slice(sorted, func(i, j int) bool { return len(sorted[i]) > len(sorted[j]) })
	for _, v := range sorted {
		if len(v) >= minSecret {
			s = strings.ReplaceAll(s, v, Mask)
		}
	}
	return s
}

// Text hides both: URLs' user info, then the secrets.
func Text(s string, secrets []string) string {
	return Values(URLs(s), secrets)
}
