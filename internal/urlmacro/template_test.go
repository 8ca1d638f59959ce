package urlmacro

import (
	"net/url"
	"strings"
	"testing"
	"time"
)

var (
	// Thursday 2026-01-15 17:31:07.637840 UTC = 09:31:07.637840 PST.
	winterFrom = time.Date(2026, 1, 15, 17, 31, 7, 637840000, time.UTC)
	winterNow  = winterFrom.Add(10 * time.Minute)
)

func mustParse(t testing.TB, raw string) *Template {
	t.Helper()
	tmpl, err := Parse(raw)
	if err != nil {
		t.Fatalf("Parse(%q): %v", raw, err)
	}
	return tmpl
}

func TestRenderMacros(t *testing.T) {
	tests := []struct {
		raw  string
		want string
	}{
		{"/r/?a=${DateTimeZone:PST:yyyy-MM-dd'T'HH:mm:ss.SSS}", "/r/?a=2026-01-15T09%3A31%3A07.637"},
		{"/r/?a=${dateTimeZone:PST:yyyy-MM-dd'T'HH:mm:ss.SSS}", "/r/?a=2026-01-15T09%3A31%3A07.637"},
		{"/r/?a=${DATETIMEZONE:pst:yyyy-MM-dd'T'HH:mm:ss.SSSSSS}", "/r/?a=2026-01-15T09%3A31%3A07.637840"},
		{"/r/?a=${DateTimeZone:America/Chicago:HH:mm}", "/r/?a=11%3A31"},
		{"/r/?a=${DateTimeZone:EST:HH:mm}", "/r/?a=12%3A31"},
		{"/r/?a=${DateTimeZone:-8:00:yyyy-MM-dd'T'HH:mm:ss}", "/r/?a=2026-01-15T09%3A31%3A07"},
		{"/r/?a=${DateTimeZone:+6:00:HH:mm}", "/r/?a=23%3A31"},
		{"/r/?a=${DateTimeZone:-08:HH:mm}", "/r/?a=09%3A31"},
		{"/r/?a=${DateTimeZone:-0800:HH:mm}", "/r/?a=09%3A31"},
		{"/r/?a=${DateTimeZone:GMT+05:30:HH:mm}", "/r/?a=23%3A01"},
		{"/r/?a=${DateTimeZone:utc-8:HH:mm}", "/r/?a=09%3A31"},
		{"/r/?a=${DateTimeZone:GMT:HH:mm}", "/r/?a=17%3A31"},
		{"/r/?a=${gmtDate:yyyy-MM-dd'T'HH:mm:ssXXX}", "/r/?a=2026-01-15T17%3A31%3A07Z"},
		{"/r/?a=${GMTDATE:HH:mm}", "/r/?a=17%3A31"},
		{"/r/?a=${date:yyyy-MM-dd}", "/r/?a=2026-01-15"},
		{"/r/?a=${date}", "/r/?a=2026-01-15T17%3A31%3A07Z"},
		{"/r/?a=${nowTimeZone:PST:yyyy-MM-dd'T'HH:mm:ss}", "/r/?a=2026-01-15T09%3A41%3A07"},
		{"/r/?a=${NowTimeZone:GMT:HH:mm}", "/r/?a=17%3A41"},
		{"/r/?a=${epoch}", "/r/?a=1768498267637"},
		{"/r/?a=${epoch:ms}", "/r/?a=1768498267637"},
		{"/r/?a=${Epoch:MS}", "/r/?a=1768498267637"},
		{"/r/?a=${epoch:s}", "/r/?a=1768498267"},
		{"/r/?a=${epoch:us}", "/r/?a=1768498267637840"},
		{"/r/?a=${milliseconds}", "/r/?a=1768498267637"},
		{"/r/?a=${date:milliseconds}", "/r/?a=1768498267637"},
		{"/r/?a=${date:10 digit integer Unix time}", "/r/?a=1768498267"},
		// Values are query-escaped; the rest of the template is kept as written.
		{"/r/?a=${DateTimeZone:+05:30:yyyy-MM-dd HH:mm:ssXXX}&b=x:y", "/r/?a=2026-01-15+23%3A01%3A07%2B05%3A30&b=x:y"},
		{"/r/?a=${gmtDate:yyyy/MM/dd '&' EEE}", "/r/?a=2026%2F01%2F15+%26+Thu"},
		{"/r/?a=${gmtDate:'}'HH}", "/r/?a=%7D17"},
		{"/r/?a=${gmtDate:HH}-${nowTimeZone:UTC:HH:mm}&b=${epoch:s}", "/r/?a=17-17%3A41&b=1768498267"},
		{"/resources/Employee/?active=true", "/resources/Employee/?active=true"},
		{"/resources/Employee/", "/resources/Employee/"},
	}
	for _, tt := range tests {
		t.Run(tt.raw, func(t *testing.T) {
			tmpl := mustParse(t, tt.raw)
			if got := tmpl.Render(winterFrom, winterNow); got != tt.want {
				t.Errorf("Render = %q, want %q", got, tt.want)
			}
			if tmpl.String() != tt.raw || tmpl.Translated() {
				t.Errorf("String() = %q, Translated() = %v; want %q, false", tmpl.String(), tmpl.Translated(), tt.raw)
			}
		})
	}
}

func TestRenderAcrossDST(t *testing.T) {
	const tmpl = "/resources/Employee/?updated_date__gte=${DateTimeZone:PST:yyyy-MM-dd'T'HH:mm:ss.SSS}" +
		"&updated_date__lt=${nowTimeZone:PST:yyyy-MM-dd'T'HH:mm:ss}&utc=${gmtDate:HH:mm}"
	utc := func(month time.Month, day, hour, min int) time.Time {
		return time.Date(2026, month, day, hour, min, 0, 0, time.UTC)
	}
	tests := []struct {
		name      string
		from, now time.Time
		want      string
	}{
		{
			"fall-back: 01:50 PDT to 01:20 PST reaches back to the second pass start",
			utc(11, 1, 8, 50), utc(11, 1, 9, 20),
			"updated_date__gte=2026-11-01T01%3A00%3A00.000&updated_date__lt=2026-11-01T01%3A20%3A00&utc=08%3A50",
		},
		{
			"fall-back not yet reached",
			utc(11, 1, 8, 50), utc(11, 1, 8, 55),
			"updated_date__gte=2026-11-01T01%3A50%3A00.000&updated_date__lt=2026-11-01T01%3A55%3A00&utc=08%3A50",
		},
		{
			"both in the second pass",
			utc(11, 1, 9, 10), utc(11, 1, 9, 20),
			"updated_date__gte=2026-11-01T01%3A10%3A00.000&updated_date__lt=2026-11-01T01%3A20%3A00&utc=09%3A10",
		},
		{
			"spring-forward: 01:50 PST to 03:20 PDT",
			utc(3, 8, 9, 50), utc(3, 8, 10, 20),
			"updated_date__gte=2026-03-08T01%3A50%3A00.000&updated_date__lt=2026-03-08T03%3A20%3A00&utc=09%3A50",
		},
	}
	parsed := mustParse(t, tmpl)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			want := "/resources/Employee/?" + tt.want
			if got := parsed.Render(tt.from, tt.now); got != want {
				t.Errorf("Render =\n %q\nwant\n %q", got, want)
			}
		})
	}
}

func TestReach(t *testing.T) {
	firstPass := time.Date(2026, 11, 1, 8, 50, 0, 0, time.UTC) // 01:50 PDT
	summer := time.Date(2026, 7, 1, 12, 0, 0, 0, time.UTC)
	tests := []struct {
		raw  string
		from time.Time
		want time.Time
	}{
		{"/r/?a=${DateTimeZone:PST:yyyy-MM-dd'T'HH:mm:ss}", firstPass, firstPass.Add(-time.Hour)},
		{"/r/?a=${DateTimeZone:PST:yyyy-MM-dd'T'HH:mm:ss}", summer, summer},
		{"/r/?a=${DateTimeZone:EST:yyyy-MM-dd'T'HH:mm:ss}", firstPass, firstPass},
		{"/r/?a=${DateTimeZone:EST:HH}&b=${DateTimeZone:America/Los_Angeles:HH}", firstPass, firstPass.Add(-time.Hour)},
		{"/r/?a=${nowTimeZone:PST:yyyy-MM-dd'T'HH:mm:ss}", firstPass, firstPass},
		{"/r/?a=${gmtDate:yyyy-MM-dd'T'HH:mm:ss}", firstPass, firstPass},
		{"/r/?a=${epoch}", firstPass, firstPass},
		// A pattern renders only its own digits: the query matches from
		// the bound rounded down.
		{"/r/?a=${DateTimeZone:PST:yyyy-MM-dd'T'HH:mm:ss.SSS}", summer.Add(1234567 * time.Nanosecond), summer.Add(time.Millisecond)},
		{"/r/?a=${DateTimeZone:America/Los_Angeles:yyyy-MM-dd'T'HH:mm}", summer.Add(59 * time.Second), summer},
		{"/r/?a=${DateTimeZone:PST:yyyy-MM-dd'T'HH:mm:ss}", firstPass.Add(500 * time.Millisecond), firstPass.Add(-time.Hour)},
		{"/r/?a=${gmtDate:yyyy-MM-dd}", summer, summer.Add(-12 * time.Hour)},
		{"/r/?a=${DateTimeZone:PST:HH:mm}", summer.Add(30 * time.Second), summer.Add(30 * time.Second)}, // no date: not read back
		{"/r/?a=${epoch:s}", summer.Add(999 * time.Millisecond), summer},
		{"/r/?a=${nowTimeZone:PST:yyyy-MM-dd'T'HH:mm}", summer.Add(30 * time.Second), summer.Add(30 * time.Second)},
		{"/r/", firstPass, firstPass},
		{"/hubs/employee/employees?where=updated_date>='${DateTimeZone:PST:yyyy-MM-dd'T'HH:mm:ss}'", firstPass, firstPass.Add(-time.Hour)},
	}
	for _, tt := range tests {
		t.Run(tt.raw, func(t *testing.T) {
			if got := mustParse(t, tt.raw).Reach(tt.from); !got.Equal(tt.want) {
				t.Errorf("Reach(%v) = %v, want %v", tt.from, got.UTC(), tt.want)
			}
		})
	}
}

func TestParseErrors(t *testing.T) {
	tests := []struct {
		raw  string
		want []string
	}{
		{"", []string{"url must be a path such as /resources/Employee/; the host comes from subdomain or base_url"}},
		{"https://acme.revelup.com/resources/Employee/", []string{"url must be a path"}},
		{"//acme.revelup.com/resources/Employee/", []string{"url must be a path"}},
		{"resources/Employee/", []string{"url must be a path"}},
		{"/r/?a=${unknown:HH}", []string{`macro "${unknown:HH}"`, `unknown macro "unknown"`}},
		{"/r/?a=${epoch:0}", []string{`macro "${epoch:0}"`, `unknown epoch unit "0"`}},
		{"/r/?a=${epoch:}", []string{`macro "${epoch:}"`, "unknown epoch unit"}},
		{"/r/?a=${milliseconds:x}", []string{`macro "${milliseconds:x}"`, "takes no format"}},
		{"/r/?a=${gmtDate}", []string{`macro "${gmtDate}"`, "expected ${gmtDate:FORMAT}"}},
		{"/r/?a=${gmtDate:}", []string{`macro "${gmtDate:}"`, "empty format"}},
		{"/r/?a=${date:}", []string{`macro "${date:}"`, "empty format"}},
		{"/r/?a=${DateTimeZone:PST:}", []string{`macro "${DateTimeZone:PST:}"`, "empty format"}},
		{"/r/?a=${DateTimeZone:PST}", []string{`macro "${DateTimeZone:PST}"`, "expected ${DateTimeZone:ZONE:FORMAT}"}},
		{"/r/?a=${DateTimeZone}", []string{"expected ${DateTimeZone:ZONE:FORMAT}"}},
		{"/r/?a=${nowTimeZone:-8:00}", []string{"expected ${nowTimeZone:ZONE:FORMAT}"}},
		{"/r/?a=${DateTimeZone:XYZ:HH}", []string{`macro "${DateTimeZone:XYZ:HH}"`, `unknown time zone "XYZ"`, "America/Los_Angeles"}},
		{"/r/?a=${DateTimeZone:-25:00:HH}", []string{`unknown time zone "-25:00"`}},
		{"/r/?a=${DateTimeZone:PST:yyyy-QQ}", []string{`macro "${DateTimeZone:PST:yyyy-QQ}"`, "unsupported pattern letter 'Q'"}},
		{"/r/?a=${gmtDate:yyyy'T}", []string{"unterminated macro"}},
		{"/r/?a=${epoch", []string{`unterminated macro "${epoch"`}},
		{"/r/?limit=10", []string{`url sets "limit"`, "set page_size instead"}},
		{"/r/?a=1&offset=20", []string{`url sets "offset"`, "page_size"}},
		{"/r/?LIMIT=10", []string{`url sets "LIMIT"`}},
	}
	for _, tt := range tests {
		t.Run(tt.raw, func(t *testing.T) {
			_, err := Parse(tt.raw)
			if err == nil {
				t.Fatalf("Parse(%q) succeeded, want error", tt.raw)
			}
			for _, want := range tt.want {
				if !strings.Contains(err.Error(), want) {
					t.Errorf("error %q does not contain %q", err, want)
				}
			}
		})
	}
}

func TestWriteQueryEscapedMatchesQueryEscape(t *testing.T) {
	all := make([]byte, 256)
	for i := range all {
		all[i] = byte(i)
	}
	var b strings.Builder
	writeQueryEscaped(&b, all)
	if want := url.QueryEscape(string(all)); b.String() != want {
		t.Errorf("writeQueryEscaped = %q, want %q", b.String(), want)
	}
}

func TestRenderAllocations(t *testing.T) {
	tmpl := mustParse(t, "/resources/Employee/?updated_date__gte=${DateTimeZone:PST:yyyy-MM-dd'T'HH:mm:ss.SSS}&updated_date__lt=${nowTimeZone:PST:yyyy-MM-dd'T'HH:mm:ss.SSS}&active=true")
	if allocs := testing.AllocsPerRun(100, func() { tmpl.Render(winterFrom, winterNow) }); allocs > 1 {
		t.Errorf("Render allocates %v times, want at most 1", allocs)
	}
}

func BenchmarkRender(b *testing.B) {
	tmpl := mustParse(b, "/resources/Employee/?updated_date__gte=${DateTimeZone:PST:yyyy-MM-dd'T'HH:mm:ss.SSS}&updated_date__lt=${nowTimeZone:PST:yyyy-MM-dd'T'HH:mm:ss.SSS}&active=true")
	b.ReportAllocs()
	for b.Loop() {
		tmpl.Render(winterFrom, winterNow)
	}
}

// FuzzParse checks that no configured URL can panic Parse, Render or
// CheckSwallowed, and that a successful parse renders every macro.
func FuzzParse(f *testing.F) {
	for _, seed := range []string{
		"/resources/Employee/?updated_date__gte=${DateTimeZone:PST:yyyy-MM-dd'T'HH:mm:ss.SSS}&active=true",
		"/hubs/employee/employees?where=updated_date__gte='${DateTimeZone:-8:00:yyyy-MM-dd'T'HH:mm:ss}' and active='true'",
		"/hubs/employee/timesheets?where=updated_date%3E%3D%27${gmtDate:HH}%27",
		"/r/?a=${epoch:s}&b=${nowTimeZone:GMT+05:30:HH:mm}&c=${date}",
		"/r/?a=PST:yyyy-MM-dd", "/r/?a=${", "/hubs/employee/employees?where='",
	} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, raw string) {
		_ = CheckSwallowed(raw)
		tmpl, err := Parse(raw)
		if err != nil {
			return
		}
		if rendered := tmpl.Render(winterFrom, winterNow); strings.Contains(rendered, "${") && !strings.Contains(raw, "%24%7B") && !strings.Contains(raw, "%24{") {
			t.Errorf("Render(%q) = %q still has a macro", raw, rendered)
		}
		_ = tmpl.Reach(winterFrom)
	})
}

func TestEscapeForBenthos(t *testing.T) {
	for raw, want := range map[string]string{
		"/resources/Employee/?updated_date__gte=${DateTimeZone:PST:yyyy-MM-dd'T'HH:mm:ss.SSS}": "/resources/Employee/?updated_date__gte=${{DateTimeZone:PST:yyyy-MM-dd'T'HH:mm:ss.SSS}}",
		"/x/?a=${epoch}&b=${gmtDate:yyyy}": "/x/?a=${{epoch}}&b=${{gmtDate:yyyy}}",
		"/resources/Order/?fields=id":      "/resources/Order/?fields=id",
	} {
		got, err := EscapeForBenthos(raw)
		if err != nil || got != want {
			t.Errorf("EscapeForBenthos(%q) = %q, %v; want %q", raw, got, err, want)
		}
	}
	for _, bad := range []string{"/x/?a=${date:'}'yyyy}", "/x/?a=${epoch"} {
		if _, err := EscapeForBenthos(bad); err == nil {
			t.Errorf("EscapeForBenthos(%q) accepted it", bad)
		}
	}
}

func TestStrictLowerBoundsAreWidened(t *testing.T) {
	tests := []struct {
		raw, want string
		widened   []string
	}{
		{"/r/?updated_date__gt=${DateTimeZone:UTC:yyyy-MM-dd'T'HH:mm:ss.SSSSSS}",
			"/r/?updated_date__gte=${DateTimeZone:UTC:yyyy-MM-dd'T'HH:mm:ss.SSSSSS}", []string{"updated_date__gt"}},
		{"/r/?a=1&created_date__gt=${epoch:s}&b=2", "/r/?a=1&created_date__gte=${epoch:s}&b=2", []string{"created_date__gt"}},
		{"/hubs/employee/employees?where=updated_date>'${gmtDate:yyyy-MM-dd}'",
			"/resources/Employee/?updated_date__gte=${gmtDate:yyyy-MM-dd}", []string{"updated_date__gt"}},
		// Already inclusive, an upper bound, or a fixed value: kept.
		{"/r/?updated_date__gte=${gmtDate:HH}", "/r/?updated_date__gte=${gmtDate:HH}", nil},
		{"/r/?updated_date__gt=${nowTimeZone:UTC:HH}", "/r/?updated_date__gt=${nowTimeZone:UTC:HH}", nil},
		{"/r/?id__gt=5", "/r/?id__gt=5", nil},
		{"/r/?updated_date__lt=${gmtDate:HH}", "/r/?updated_date__lt=${gmtDate:HH}", nil},
	}
	for _, tt := range tests {
		t.Run(tt.raw, func(t *testing.T) {
			tmpl := mustParse(t, tt.raw)
			if tmpl.String() != tt.want || strings.Join(tmpl.Widened(), ",") != strings.Join(tt.widened, ",") {
				t.Errorf("String() = %q, Widened() = %v; want %q, %v", tmpl.String(), tmpl.Widened(), tt.want, tt.widened)
			}
		})
	}
	got := mustParse(t, "/r/?updated_date__gt=${DateTimeZone:UTC:yyyy-MM-dd'T'HH:mm:ss}").Render(winterFrom, winterNow)
	if got != "/r/?updated_date__gte=2026-01-15T17%3A31%3A07" {
		t.Errorf("Render = %q", got)
	}
}

func TestNaiveMacros(t *testing.T) {
	tmpl := mustParse(t, "/r/?a=${DateTimeZone:PST:yyyy-MM-dd'T'HH:mm:ss}&b=${gmtDate:yyyy-MM-dd'T'HH:mm:ssXXX}"+
		"&c=${epoch}&d=${nowTimeZone:EST:HH:mm}&e=${gmtDate:HH}&f=${date:milliseconds}")
	var got []string
	for _, m := range tmpl.NaiveMacros() {
		got = append(got, m.Text+"@"+m.Zone.String())
	}
	want := "${DateTimeZone:PST:yyyy-MM-dd'T'HH:mm:ss}@America/Los_Angeles ${nowTimeZone:EST:HH:mm}@EST ${gmtDate:HH}@UTC"
	if strings.Join(got, " ") != want {
		t.Errorf("NaiveMacros = %v, want %s", got, want)
	}
}
