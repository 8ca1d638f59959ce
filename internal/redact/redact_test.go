package redact

import "testing"

func TestURLs(t *testing.T) {
	for in, want := range map[string]string{
		"https://acme.revelup.com/resources/":               "https://acme.revelup.com/resources/",
		"https://user:pa55@example.com/hook":                "https://user:xxxxx@example.com/hook",
		"https://tok3n@example.com/hook":                    "https://xxxxx@example.com/hook",
		`Post "http://u:p%40ss@127.0.0.1:9/x": refused`:     `Post "http://u:xxxxx@127.0.0.1:9/x": refused`,
		"a https://a:b@h/ and kafka://c:d@k:9092 z":         "a https://a:xxxxx@h/ and kafka://c:xxxxx@k:9092 z",
		"https://example.com/path@not-user-info":            "https://example.com/path@not-user-info",
		"https://example.com/?q=a@b":                        "https://example.com/?q=a@b",
		"mail me: ops@example.com":                          "mail me: ops@example.com",
		"https://@example.com/":                             "https://@example.com/",
		"url: https://user:${PASSWORD}@example.com/hook\n":  "url: https://user:xxxxx@example.com/hook\n",
		"https://proxy.example/revel?token=s3cr3t&x=1":      "https://proxy.example/revel?token=xxxxx&x=1",
		`GET http://h/r/?limit=5&API_KEY=k1&sig=zz#f: 500`:  `GET http://h/r/?limit=5&API_KEY=xxxxx&sig=xxxxx#f: 500`,
		"/resources/Employee/?updated_date__gte=2026-01-01": "/resources/Employee/?updated_date__gte=2026-01-01",
	} {
		if got := URLs(in); got != want {
			t.Errorf("URLs(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestValues(t *testing.T) {
	got := Values("key=abc secret=s3cr3t-long s3cr3t", []string{"s3cr3t", "s3cr3t-long", "abc", ""})
	if want := "key=abc secret=xxxxx xxxxx"; got != want {
		t.Errorf("Values = %q, want %q", got, want)
	}
}
