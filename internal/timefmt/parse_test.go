package timefmt

import (
	"strings"
	"testing"
	"time"
)

const revelPattern = "yyyy-MM-dd'T'HH:mm:ss.SSS"

func TestParse(t *testing.T) {
	la := mustZone(t, "America/Los_Angeles")
	utc := time.UTC
	tests := []struct {
		pattern string
		value   string
		loc     *time.Location
		want    time.Time
	}{
		// Revel's naive stamps with 0, 1, 3, 6 and 9 fraction digits.
		{revelPattern, "2018-08-20T17:31:07", la, time.Date(2018, 8, 20, 17, 31, 7, 0, la)},
		{revelPattern, "2018-08-20T17:31:07.6", la, time.Date(2018, 8, 20, 17, 31, 7, 600000000, la)},
		{revelPattern, "2018-08-20T17:31:07.637", la, time.Date(2018, 8, 20, 17, 31, 7, 637000000, la)},
		{revelPattern, "2018-08-20T17:31:07.637840", la, time.Date(2018, 8, 20, 17, 31, 7, 637840000, la)},
		{revelPattern, "2018-08-20T17:31:07.637840123", la, time.Date(2018, 8, 20, 17, 31, 7, 637840123, la)},
		{"yyyy-MM-dd'T'HH:mm:ss,SSS", "2018-08-20T17:31:07", utc, time.Date(2018, 8, 20, 17, 31, 7, 0, utc)},
		{"yyyy-MM-dd'T'HH:mm:ss,SSS", "2018-08-20T17:31:07,5", utc, time.Date(2018, 8, 20, 17, 31, 7, 500000000, utc)},
		{"HH:mm:ss'.'SSS", "17:31:07", utc, time.Date(1970, 1, 1, 17, 31, 7, 0, utc)},
		// A trailing designator overrides loc when the pattern has no zone letter.
		{revelPattern, "2018-08-20T17:31:07Z", la, time.Date(2018, 8, 20, 17, 31, 7, 0, utc)},
		{revelPattern, "2018-08-20T17:31:07.5+07:00", la, time.Date(2018, 8, 20, 10, 31, 7, 500000000, utc)},
		{revelPattern, "2018-08-20T17:31:07-0800", la, time.Date(2018, 8, 21, 1, 31, 7, 0, utc)},
		{"yyyy-MM-dd", "2018-08-20+07", utc, time.Date(2018, 8, 19, 17, 0, 0, 0, utc)},
		// Numeric fields.
		{"yyyy-M-d H:m:s", "2018-8-5 7:3:9", utc, time.Date(2018, 8, 5, 7, 3, 9, 0, utc)},
		{"yyyy-MM-dd", "2018-8-5", utc, time.Date(2018, 8, 5, 0, 0, 0, 0, utc)},
		{"yy-MM-dd", "18-08-20", utc, time.Date(2018, 8, 20, 0, 0, 0, 0, utc)},
		{"yy-MM-dd", "69-08-20", utc, time.Date(1969, 8, 20, 0, 0, 0, 0, utc)},
		{"yyyyMMddHHmmssSSS", "20180820173107637", utc, time.Date(2018, 8, 20, 17, 31, 7, 637000000, utc)},
		{"yyyy-MM-dd", "2024-02-29", utc, time.Date(2024, 2, 29, 0, 0, 0, 0, utc)},
		{"MMM d, yyyy", "Aug 20, 2018", utc, time.Date(2018, 8, 20, 0, 0, 0, 0, utc)},
		{"MMMM d, yyyy", "august 20, 2018", utc, time.Date(2018, 8, 20, 0, 0, 0, 0, utc)},
		{"MMMM d, yyyy", "Aug 20, 2018", utc, time.Date(2018, 8, 20, 0, 0, 0, 0, utc)},
		{"EEE, d MMM yyyy", "Mon, 20 Aug 2018", utc, time.Date(2018, 8, 20, 0, 0, 0, 0, utc)},
		{"EEEE yyyy-MM-dd", "Monday 2018-08-20", utc, time.Date(2018, 8, 20, 0, 0, 0, 0, utc)},
		{"h:mm a", "12:15 AM", utc, time.Date(1970, 1, 1, 0, 15, 0, 0, utc)},
		{"h:mm a", "12:15 pm", utc, time.Date(1970, 1, 1, 12, 15, 0, 0, utc)},
		{"h:mm a", "3:15 PM", utc, time.Date(1970, 1, 1, 15, 15, 0, 0, utc)},
		{"K:mm a", "0:15 PM", utc, time.Date(1970, 1, 1, 12, 15, 0, 0, utc)},
		{"k:mm", "24:15", utc, time.Date(1970, 1, 1, 0, 15, 0, 0, utc)},
		{"HH:mm a", "15:15 AM", utc, time.Date(1970, 1, 1, 15, 15, 0, 0, utc)},
		// Zone letters.
		{"yyyy-MM-dd'T'HH:mm:ssXXX", "2018-08-20T17:31:07-07:00", utc, time.Date(2018, 8, 21, 0, 31, 7, 0, utc)},
		{"yyyy-MM-dd'T'HH:mm:ssXXX", "2018-08-20T17:31:07Z", la, time.Date(2018, 8, 20, 17, 31, 7, 0, utc)},
		{"yyyy-MM-dd'T'HH:mm:ssX", "2018-08-20T17:31:07+05", utc, time.Date(2018, 8, 20, 12, 31, 7, 0, utc)},
		{"yyyy-MM-dd HH:mm:ss Z", "2018-08-20 17:31:07 -0800", utc, time.Date(2018, 8, 21, 1, 31, 7, 0, utc)},
		{"yyyy-MM-dd HH:mm z", "2018-08-20 17:31 PDT", la, time.Date(2018, 8, 21, 0, 31, 0, 0, utc)},
		{"yyyy-MM-dd HH:mm z", "2018-08-20 17:31 GMT-05:00", la, time.Date(2018, 8, 20, 22, 31, 0, 0, utc)},
		{"yyyy-MM-dd HH:mm z", "2018-08-20 17:31 UTC", la, time.Date(2018, 8, 20, 17, 31, 0, 0, utc)},
		{"yyyy-MM-dd HH:mm z", "2018-01-20 17:31 EST", utc, time.Date(2018, 1, 20, 22, 31, 0, 0, utc)},
		// Zone names as Java reads them: a standard name is standard time
		// all year, a daylight name daylight time; long names too.
		{"yyyy-MM-dd HH:mm z", "2018-08-20 17:31 PST", la, time.Date(2018, 8, 21, 1, 31, 0, 0, utc)},
		{"yyyy-MM-dd HH:mm z", "2018-01-20 17:31 PDT", la, time.Date(2018, 1, 21, 0, 31, 0, 0, utc)},
		{"yyyy-MM-dd HH:mm z", "2018-08-20 17:31 PST", utc, time.Date(2018, 8, 21, 1, 31, 0, 0, utc)},
		{"yyyy-MM-dd HH:mm z", "2018-08-20 17:31 EDT", utc, time.Date(2018, 8, 20, 21, 31, 0, 0, utc)},
		{"yyyy-MM-dd HH:mm z", "2018-08-20 17:31 GMT-08:00", utc, time.Date(2018, 8, 21, 1, 31, 0, 0, utc)},
		{"yyyy-MM-dd HH:mm z", "2018-08-20 17:31 GMT-8", utc, time.Date(2018, 8, 21, 1, 31, 0, 0, utc)},
		{"yyyy-MM-dd HH:mm z", "2018-08-20 17:31 GMT", la, time.Date(2018, 8, 20, 17, 31, 0, 0, utc)},
		{"yyyy-MM-dd HH:mm z", "2018-08-20 17:31 -0800", utc, time.Date(2018, 8, 21, 1, 31, 0, 0, utc)},
		{"yyyy-MM-dd HH:mm zzzz", "2018-08-20 17:31 Pacific Standard Time", utc, time.Date(2018, 8, 21, 1, 31, 0, 0, utc)},
		{"yyyy-MM-dd HH:mm z", "2018-08-20 17:31 Pacific Daylight Time", utc, time.Date(2018, 8, 21, 0, 31, 0, 0, utc)},
		{"yyyy-MM-dd HH:mm z", "2018-08-20 17:31 CEST", utc, time.Date(2018, 8, 20, 15, 31, 0, 0, utc)},
		{"yyyy-MM-dd HH:mm Z", "2018-08-20 17:31 PDT", utc, time.Date(2018, 8, 21, 0, 31, 0, 0, utc)},
		{"yyyy-MM-dd HH:mm Z", "2018-08-20 17:31 GMT-08:00", utc, time.Date(2018, 8, 21, 1, 31, 0, 0, utc)},
		// A fraction after seconds the pattern does not have is read.
		{"yyyy-MM-dd'T'HH:mm:ss", "2026-06-01T17:31:07.637840", la, time.Date(2026, 6, 2, 0, 31, 7, 637840000, utc)},
		{"yyyy-MM-dd'T'HH:mm:ss", "2026-06-01T17:31:07,5", utc, time.Date(2026, 6, 1, 17, 31, 7, 500000000, utc)},
		{"yyyy-MM-dd'T'HH:mm:ss", "2026-06-01T17:31:07.1234567891", utc, time.Date(2026, 6, 1, 17, 31, 7, 123456789, utc)},
		{"yyyy-MM-dd'T'HH:mm:ss", "2026-06-01T17:31:07.5Z", la, time.Date(2026, 6, 1, 17, 31, 7, 500000000, utc)},
		{"yyyy-MM-dd HH:mm:ss z", "2026-06-01 17:31:07.5 PDT", utc, time.Date(2026, 6, 2, 0, 31, 7, 500000000, utc)},
		// The repeated hour: the abbreviation picks the pass; without it, the first.
		{"yyyy-MM-dd HH:mm z", "2026-11-01 01:30 PST", la, time.Date(2026, 11, 1, 9, 30, 0, 0, utc)},
		{"yyyy-MM-dd HH:mm z", "2026-11-01 01:30 PDT", la, time.Date(2026, 11, 1, 8, 30, 0, 0, utc)},
		{"yyyy-MM-dd HH:mm", "2026-11-01 01:30", la, time.Date(2026, 11, 1, 8, 30, 0, 0, utc)},
		// Epoch formats.
		{"milliseconds", "1534786267637", utc, time.Date(2018, 8, 20, 17, 31, 7, 637000000, utc)},
		{"milliseconds", "1534786267637.5", utc, time.Date(2018, 8, 20, 17, 31, 7, 637500000, utc)},
		{"seconds", "1534778974", utc, time.Unix(1534778974, 0)},
		{"seconds", "1534778974.5", utc, time.Unix(1534778974, 500000000)},
		{"10 digit integer Unix time", "1534778974", utc, time.Unix(1534778974, 0)},
		{"seconds", "-1.5", utc, time.Unix(-2, 500000000)},
		{"milliseconds", "-1", utc, time.Unix(0, -1000000)},
	}
	for _, tt := range tests {
		t.Run(tt.pattern+"/"+tt.value, func(t *testing.T) {
			got, err := mustCompile(t, tt.pattern).Parse(tt.value, tt.loc)
			if err != nil {
				t.Fatalf("Parse(%q): %v", tt.value, err)
			}
			if !got.Equal(tt.want) {
				t.Errorf("Parse(%q) = %v, want %v", tt.value, got, tt.want.In(tt.loc))
			}
			if got.Location() != tt.loc {
				t.Errorf("Parse(%q) location = %v, want %v", tt.value, got.Location(), tt.loc)
			}
		})
	}
}

func TestParseNilLocationIsUTC(t *testing.T) {
	got, err := mustCompile(t, "yyyy-MM-dd HH:mm").Parse("2018-08-20 17:31", nil)
	if err != nil {
		t.Fatal(err)
	}
	if want := time.Date(2018, 8, 20, 17, 31, 0, 0, time.UTC); !got.Equal(want) || got.Location() != time.UTC {
		t.Errorf("got %v, want %v", got, want)
	}
}

func TestParseErrors(t *testing.T) {
	tests := []struct {
		pattern string
		value   string
		want    string
	}{
		{"yyyy-MM-dd", "2018-13-01", `parsing "2018-13-01" as "yyyy-MM-dd": month out of range`},
		{"yyyy-MM-dd", "2018-00-01", "month out of range"},
		{"yyyy-MM-dd", "2018-02-29", "day out of range"},
		{"yyyy-MM-dd", "2018-04-31", "day out of range"},
		{"yyyy-MM-dd", "2018-04-00", "day out of range"},
		{"HH:mm:ss", "24:00:00", "hour out of range"},
		{"HH:mm:ss", "23:60:00", "minute out of range"},
		{"HH:mm:ss", "23:59:60", "second out of range"},
		{"h:mm", "13:00", "hour out of range"},
		{"h:mm", "0:00", "hour out of range"},
		{"K:mm", "12:00", "hour out of range"},
		{"k:mm", "0:00", "hour out of range"},
		{"yyyy-MM-dd", "2018/08/20", `expected "-" at "/08/20"`},
		{"yyyy-MM-dd", "", `expected a number at ""`},
		{"yy-MM-dd", "8-08-20", "expected 2 digits"},
		{"yyyyMMdd", "2018820", "month out of range"},
		{"yyyyMMdd", "201808", `expected a number at ""`},
		{"yyyyMMdd", "20188", `expected 2 digits at "8"`},
		{"yyyy-MM-dd", "2018-08-20T00:00:00", `unexpected text "T00:00:00" at the end`},
		{"yyyy-MM-dd", "2018-08-20 ", `unexpected text " " at the end`},
		{revelPattern, "2018-08-20T17:31:07.", `expected fraction digits at ""`},
		{revelPattern, "2018-08-20T17:31:07.1234567890", `unexpected text "0" at the end`},
		{revelPattern, "2018-08-20T17:31:07637", `expected "." at "637"`},
		{revelPattern, "2018-08-20T17:31:07.5+25:00", `unexpected text "+25:00" at the end`},
		{"yyyy-MM-dd'T'HH:mm:ss'Z'", "2018-08-20T17:31:07+07:00", `expected "Z" at "+07:00"`},
		{"yyyy-MM-dd'T'HH:mm:ssXXX", "2018-08-20T17:31:07", `expected a time zone at ""`},
		{"yyyy-MM-dd'T'HH:mm:ssXXX", "2018-08-20T17:31:07+07:00Z", `unexpected text "Z" at the end`},
		{"yyyy-MM-dd'T'HH:mm:ssX", "2018-08-20T17:31:07PST", `expected a time zone at "PST"`},
		{"yyyy-MM-dd'T'HH:mm:ss", "2018-08-20T17:31:07.", `unexpected text "." at the end`},
		{"yyyy-MM-dd'T'HH:mm:ss", "2018-08-20T17:31:07.5x", `unexpected text "x" at the end`},
		{"HH:mm z", "17:31 QQQ", `unknown time zone "QQQ"`},
		{"HH:mm z", "17:31 ", `expected a time zone at ""`},
		{"MMM yyyy", "Agu 2018", `expected a month name at "Agu 2018"`},
		{"EEE yyyy", "Mnd 2018", `expected a weekday name`},
		{"h a", "3 XM", "expected AM or PM"},
		{"milliseconds", "", "expected an integer"},
		{"milliseconds", "12a", `unexpected text "a" at the end`},
		{"seconds", "1.", "expected digits after '.'"},
		{"seconds", "1234567890123456789", "integer out of range"},
	}
	for _, tt := range tests {
		t.Run(tt.pattern+"/"+tt.value, func(t *testing.T) {
			_, err := mustCompile(t, tt.pattern).Parse(tt.value, time.UTC)
			if err == nil {
				t.Fatalf("Parse(%q) succeeded, want error", tt.value)
			}
			if !strings.Contains(err.Error(), tt.want) {
				t.Errorf("error %q does not contain %q", err, tt.want)
			}
			if prefix := "parsing \"" + tt.value + "\" as \"" + tt.pattern + "\": "; !strings.HasPrefix(err.Error(), prefix) {
				t.Errorf("error %q does not start with %q", err, prefix)
			}
		})
	}
}

func TestParseDoesNotAllocate(t *testing.T) {
	la := mustZone(t, "America/Los_Angeles")
	cases := []struct{ pattern, value string }{
		{revelPattern, "2018-08-20T17:31:07.637840"},
		{revelPattern, "2018-08-20T17:31:07"},
		{revelPattern, "2018-08-20T17:31:07.5+07:00"},
		{"yyyy-MM-dd'T'HH:mm:ss", "2018-08-20T17:31:07.637840"},
		{"yyyy-MM-dd'T'HH:mm:ssXXX", "2018-08-20T17:31:07-07:00"},
		{"milliseconds", "1534786267637"},
	}
	for _, c := range cases {
		l := mustCompile(t, c.pattern)
		allocs := testing.AllocsPerRun(100, func() {
			if _, err := l.Parse(c.value, la); err != nil {
				t.Fatal(err)
			}
		})
		if allocs != 0 {
			t.Errorf("Parse(%q) with %q: %v allocations, want 0", c.value, c.pattern, allocs)
		}
	}
}

func FuzzParse(f *testing.F) {
	for _, seed := range []string{
		"2018-08-20T17:31:07", "2018-08-20T17:31:07.637840", "2018-08-20T17:31:07Z",
		"2018-08-20T17:31:07.6+07:00", "2026-11-01T01:30:00.000", "2026-03-08T02:30:00",
		"Aug 20, 2018", "1534778974.5", "'", "",
	} {
		f.Add(seed, int64(1534786267637))
	}
	f.Add("", int64(1793525400000)) // 2026-11-01 01:30 PST, the second pass
	f.Add("", int64(1772965800000)) // 2026-03-08 03:30 PDT, just after the gap
	la := mustZone(f, "America/Los_Angeles")
	roundTrips := []struct {
		layout    *Layout
		precision time.Duration
		// naive patterns carry no zone, so in the repeated hour the text
		// names two instants and Parse picks the earlier one.
		naive bool
	}{
		{mustCompile(f, revelPattern), time.Millisecond, true},
		{mustCompile(f, "yyyy-MM-dd'T'HH:mm:ss.SSSSSS"), time.Microsecond, true},
		{mustCompile(f, "yyyyMMddHHmmssSSS"), time.Millisecond, true},
		{mustCompile(f, "yyyy-MM-dd'T'HH:mm:ssXXX"), time.Second, false},
		{mustCompile(f, "EEE, d MMM yyyy hh:mm:ss a Z"), time.Second, false},
		{mustCompile(f, "yyyy-MM-dd HH:mm z"), time.Minute, false},
		{mustCompile(f, "milliseconds"), time.Millisecond, false},
	}
	f.Fuzz(func(t *testing.T, value string, millis int64) {
		for _, rt := range roundTrips {
			_, _ = rt.layout.Parse(value, la) // must not panic
		}
		// Keep years within four digits so every pattern renders them.
		millis %= 250000000000000
		if millis < 0 {
			millis = -millis
		}
		for _, rt := range roundTrips {
			instant := time.UnixMilli(millis).Truncate(rt.precision).In(la)
			text := rt.layout.Format(instant)
			got, err := rt.layout.Parse(text, la)
			if err != nil {
				t.Fatalf("%q: Parse(%q): %v", rt.layout, text, err)
			}
			if again := rt.layout.Format(got); again != text {
				t.Fatalf("%q: Format(Parse(%q)) = %q", rt.layout, text, again)
			}
			earlierBy := instant.Sub(got)
			if earlierBy != 0 && !(rt.naive && earlierBy == time.Hour) {
				t.Fatalf("%q: Parse(%q) = %v, want %v", rt.layout, text, got, instant)
			}
		}
	})
}

func BenchmarkParse(b *testing.B) {
	la := mustZone(b, "America/Los_Angeles")
	for _, c := range []struct{ name, pattern, value string }{
		{"revel_micros", revelPattern, "2018-08-20T17:31:07.637840"},
		{"revel_no_fraction", revelPattern, "2018-08-20T17:31:07"},
		{"iso_offset", "yyyy-MM-dd'T'HH:mm:ssXXX", "2018-08-20T17:31:07-07:00"},
		{"milliseconds", "milliseconds", "1534786267637"},
	} {
		l := mustCompile(b, c.pattern)
		b.Run(c.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if _, err := l.Parse(c.value, la); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

func BenchmarkAppendFormat(b *testing.B) {
	la := mustZone(b, "America/Los_Angeles")
	instant := time.Date(2018, 8, 20, 17, 31, 7, 637840000, la)
	for _, pattern := range []string{revelPattern, "yyyy-MM-dd'T'HH:mm:ssXXX", "EEE, d MMM yyyy hh:mm:ss a z"} {
		l := mustCompile(b, pattern)
		b.Run(pattern, func(b *testing.B) {
			b.ReportAllocs()
			buf := make([]byte, 0, 64)
			for b.Loop() {
				buf = l.AppendFormat(buf[:0], instant)
			}
		})
	}
}
