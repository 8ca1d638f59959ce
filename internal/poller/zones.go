package poller

import (
	"fmt"
	"strings"
	"time"

	"github.com/revel-connect/revel-connect/internal/timefmt"
	"github.com/revel-connect/revel-connect/internal/urlmacro"
)

// Revel's dates are naive local wall-clock text, and so are the filter
// values it reads (research revel-api.md §4.2): a url macro must render in
// the zone the records' dates are read in, which must be the tenant's.
// ${gmtDate:...} against a Los Angeles tenant queries 7 or 8 hours ahead
// of the cursor and skips every change in between.

// datesZone is the zone rc reads its version dates in, or nil when they
// carry their own zone (or no dates are configured).
func (rc *resourceConfig) datesZone() (*time.Location, string) {
	d, key := rc.fields.Updated, fUpdatedZone
	if !rc.fields.FilterByUpdatedDate {
		d, key = rc.fields.Created, fCreatedZone
	}
	if d.Layout == nil || d.Zone == nil || !d.Layout.Naive() {
		return nil, ""
	}
	return d.Zone, key
}

// zoneNotes returns a note for each naive url macro whose zone reads a
// different clock from rc's dates_configuration; path names the resource.
// The input logs them at startup.
func zoneNotes(rc *resourceConfig, path string, now time.Time) []string {
	if rc.url == nil {
		return nil
	}
	zone, key := rc.datesZone()
	if zone == nil {
		return nil
	}
	var notes []string
	for _, m := range rc.url.NaiveMacros() {
		if !timefmt.SameClock(m.Zone, zone, now) {
			notes = append(notes, fmt.Sprintf("%s.%s: %s renders %s wall-clock time, but %s.%s.%s reads Revel's dates as %s time; Revel reads the url's value in the tenant's zone, so each query starts hours away from the cursor and changes are missed. Render the macro in the tenant's zone, e.g. %s",
				path, fURL, m.Text, zoneName(m.Zone), path, fDates, key, zoneName(zone), suggestMacro(m, zone)))
		}
	}
	return notes
}

// tenantZoneMismatches compares the tenant's zone, as Revel reports it in
// meta.time_zone, with the zones rc reads dates and renders macros in.
func tenantZoneMismatches(rc *resourceConfig, tenant *time.Location, now time.Time) []string {
	var out []string
	if zone, key := rc.datesZone(); zone != nil && !timefmt.SameClock(zone, tenant, now) {
		out = append(out, fmt.Sprintf("%s.%s is %s", fDates, key, zoneName(zone)))
	}
	if rc.url != nil {
		for _, m := range rc.url.NaiveMacros() {
			if !timefmt.SameClock(m.Zone, tenant, now) {
				out = append(out, fmt.Sprintf("the url macro %s renders %s", m.Text, zoneName(m.Zone)))
			}
		}
	}
	return out
}

// checkZone warns once, loudly, when Revel reports a tenant zone whose
// clock differs from a configured one: naive dates would be read, or
// queried, at the wrong instant.
func (p *resourcePoller) checkZone(reported string) {
	if p.zoneWarned || reported == "" {
		return
	}
	tenant, err := timefmt.LoadZone(reported) // cached: not a copy a resource
	if err != nil {
		return
	}
	p.zoneWarned = true
	if wrong := tenantZoneMismatches(p.conf, tenant, p.now()); len(wrong) > 0 {
		p.log.Warnf("Revel reports the tenant's time zone (meta.time_zone) as %s, but %s; naive dates are read or queried at the wrong instant and changes are missed. Set the dates_configuration zones to %s and render the url macros in it, e.g. ${{DateTimeZone:%s:yyyy-MM-dd'T'HH:mm:ss.SSSSSS}}",
			reported, strings.Join(wrong, ", and "), reported, reported)
	}
}

// zoneName names a zone for a message; UTC rather than an empty name.
func zoneName(loc *time.Location) string {
	if loc == time.UTC {
		return "UTC"
	}
	return loc.String()
}

// suggestMacro is m rendered in zone, written as a Benthos config needs it.
func suggestMacro(m urlmacro.NaiveMacro, zone *time.Location) string {
	name := "DateTimeZone"
	if m.Now {
		name = "nowTimeZone"
	}
	return "${{" + name + ":" + zoneName(zone) + ":" + m.Pattern + "}}"
}
