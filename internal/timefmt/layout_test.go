package timefmt

import (
	"strings"
	"testing"
	"time"
)

func mustZone(t testing.TB, id string) *time.Location {
	t.Helper()
	loc, err := LoadZone(id)
	if err != nil {
		t.Fatal(err)
	}
	return loc
}

func mustCompile(t testing.TB, pattern string) *Layout {
	t.Helper()
	l, err := Compile(pattern)
	if err != nil {
		t.Fatalf("Compile(%q): %v", pattern, err)
	}
	return l
}

func TestFormat(t *testing.T) {
	la := mustZone(t, "America/Los_Angeles")
	// Wednesday 2026-03-04 09:05:07.012345678 PST; afternoon and midnight variants below.
	morning := time.Date(2026, 3, 4, 9, 5, 7, 12345678, la)
	afternoon := time.Date(2026, 7, 14, 15, 45, 30, 600000000, la)
	midnight := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	noon := time.Date(2026, 1, 1, 12, 0, 0, 0, time.UTC)
	tests := []struct {
		pattern string
		t       time.Time
		want    string
	}{
		{"yyyy-MM-dd'T'HH:mm:ss.SSS", morning, "2026-03-04T09:05:07.012"},
		{"yyyy-MM-dd'T'HH:mm:ss.SSSSSS", morning, "2026-03-04T09:05:07.012345"},
		{"yyyy-MM-dd'T'HH:mm:ss.SSSSSSSSS", morning, "2026-03-04T09:05:07.012345678"},
		{"ss.S", morning, "07.0"},
		{"ss.SSSSSSSSSSS", morning, "07.01234567800"},
		{"y", morning, "2026"},
		{"yy", morning, "26"},
		{"yyyyy", morning, "02026"},
		{"M", morning, "3"},
		{"MM", morning, "03"},
		{"MMM", morning, "Mar"},
		{"MMMM", morning, "March"},
		{"d/dd", morning, "4/04"},
		{"H/HH", morning, "9/09"},
		{"H/HH", midnight, "0/00"},
		{"h/hh a", morning, "9/09 AM"},
		{"h/hh a", afternoon, "3/03 PM"},
		{"h a", midnight, "12 AM"},
		{"h a", noon, "12 PM"},
		{"k/kk", midnight, "24/24"},
		{"k", afternoon, "15"},
		{"K/KK a", noon, "0/00 PM"},
		{"K", afternoon, "3"},
		{"m/mm s/ss", morning, "5/05 7/07"},
		{"E", morning, "Wed"},
		{"EEE", morning, "Wed"},
		{"EEEE", morning, "Wednesday"},
		{"z", morning, "PST"},
		{"z", afternoon, "PDT"},
		{"zzzz", afternoon, "PDT"},
		{"Z", morning, "-0800"},
		{"Z", midnight, "+0000"},
		{"X", morning, "-08"},
		{"XX", morning, "-0800"},
		{"XXX", morning, "-08:00"},
		{"XXX", afternoon, "-07:00"},
		{"XXX", midnight, "Z"},
		{"XXX", time.Date(2026, 1, 1, 0, 0, 0, 0, mustZone(t, "+05:30")), "+05:30"},
		{"z", time.Date(2026, 1, 1, 0, 0, 0, 0, mustZone(t, "+05:30")), "+05:30"},
		{"z", time.Date(2026, 1, 1, 0, 0, 0, 0, time.FixedZone("", -3600)), "-0100"},
		{"yyyy-MM-dd HH:mm:ss -0800", morning, "2026-03-04 09:05:07 -0800"},
		{"yyyy-MM-dd'T'HH:mm:ss'Z'", midnight, "2026-01-01T00:00:00Z"},
		{"HH 'o''clock'", morning, "09 o'clock"},
		{"''HH''", morning, "'09'"},
		{"'yyyy'", morning, "yyyy"},
		{"yyyyMMddHHmmss", morning, "20260304090507"},
		{"EEE, d MMM yyyy HH:mm:ss Z", morning, "Wed, 4 Mar 2026 09:05:07 -0800"},
		{"milliseconds", morning, "1772643907012"},
		{"MILLISECONDS", morning, "1772643907012"},
		{"seconds", morning, "1772643907"},
		{"10 digit integer Unix time", morning, "1772643907"},
	}
	for _, tt := range tests {
		t.Run(tt.pattern, func(t *testing.T) {
			l := mustCompile(t, tt.pattern)
			if got := l.Format(tt.t); got != tt.want {
				t.Errorf("Format(%v) = %q, want %q", tt.t, got, tt.want)
			}
			if got := string(l.AppendFormat([]byte("x"), tt.t)); got != "x"+tt.want {
				t.Errorf("AppendFormat = %q, want %q", got, "x"+tt.want)
			}
			if l.String() != tt.pattern {
				t.Errorf("String() = %q, want %q", l.String(), tt.pattern)
			}
		})
	}
}

func TestCompileErrors(t *testing.T) {
	tests := []struct {
		pattern string
		want    string
	}{
		{"", "empty date pattern"},
		{"yyyy-QQ", `unsupported pattern letter 'Q' in "yyyy-QQ"`},
		{"yyyy-MM-ddTHH:mm", `unsupported pattern letter 'T' in "yyyy-MM-ddTHH:mm": quote text in a pattern, as in "yyyy-MM-dd'T'HH:mm"`},
		{"yyyyTTdd", `as in "yyyy'TT'dd"`},
		{"G yyyy", `unsupported pattern letter 'G'`},
		{"YYYY", `unsupported pattern letter 'Y'`},
		{"D", `unsupported pattern letter 'D'`},
		{"u", `unsupported pattern letter 'u'`},
		{"yyyy'T", `unterminated quote in pattern "yyyy'T"`},
		{"'", `unterminated quote in pattern "'"`},
		{"HH'o''clock", `unterminated quote`},
	}
	for _, tt := range tests {
		t.Run(tt.pattern, func(t *testing.T) {
			_, err := Compile(tt.pattern)
			if err == nil {
				t.Fatalf("Compile(%q) succeeded, want error", tt.pattern)
			}
			if !strings.Contains(err.Error(), tt.want) {
				t.Errorf("error %q does not contain %q", err, tt.want)
			}
		})
	}
}

// One pattern compiles once: thousands of tenants share its Layout.
func TestCompileSharesLayouts(t *testing.T) {
	a, err := Compile("yyyy-MM-dd'T'HH:mm:ss.SSS")
	if err != nil {
		t.Fatal(err)
	}
	b, _ := Compile(string([]byte("yyyy-MM-dd'T'HH:mm:ss.SSS")))
	if a != b {
		t.Errorf("the same pattern compiled twice into two layouts")
	}
	if _, err := Compile("yyyy-MM-dd'"); err == nil {
		t.Errorf("an unterminated quote compiled")
	}
	if _, err := Compile("yyyy-MM-dd'"); err == nil {
		t.Errorf("an unterminated quote compiled the second time (an error was cached as a layout)")
	}
}
