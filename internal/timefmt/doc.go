// Package timefmt formats and parses dates the way Cloud Elements did, so
// that poller configurations written for Cloud Elements keep working: Java
// SimpleDateFormat patterns, Java zone ids such as PST, and the DST rules a
// cursor needs when Revel stores naive local wall-clock times.
package timefmt
