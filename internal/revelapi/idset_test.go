package revelapi

import (
	"math/rand/v2"
	"strconv"
	"testing"
)

func TestIDSet(t *testing.T) {
	for _, tc := range []struct {
		name string
		ids  []string
	}{
		{name: "ascending", ids: []string{"1", "2", "5", "900", "100000"}},
		{name: "descending", ids: []string{"9", "7", "5", "3", "1"}},
		{name: "not integers", ids: []string{`"a-1"`, `"b-2"`, "3"}},
		{name: "negative and zero", ids: []string{"-5", "0", "-7"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var s idSet
			for _, id := range tc.ids {
				if !s.add(id) {
					t.Errorf("add(%s) = false the first time", id)
				}
			}
			for _, id := range tc.ids {
				if s.add(id) {
					t.Errorf("add(%s) = true the second time", id)
				}
			}
		})
	}
}

// A large set, half in order and half not (merged into blocks on the way),
// holds exactly what was added.
func TestIDSetAgainstAMap(t *testing.T) {
	var s idSet
	want := map[int64]bool{}
	r := rand.New(rand.NewPCG(1, 2))
	for i := 0; i < 20000; i++ {
		id := int64(i * 3)
		if i%2 == 1 {
			id = r.Int64N(int64(i*3 + 1))
		}
		if got := s.add(strconv.FormatInt(id, 10)); got == want[id] {
			t.Fatalf("add(%d) = %v with the id already added = %v", id, got, want[id])
		}
		want[id] = true
	}
	for id := int64(-1); id < 60010; id++ {
		if s.has(id) != want[id] {
			t.Fatalf("has(%d) = %v, want %v", id, s.has(id), want[id])
		}
	}
}

func BenchmarkIDSetAscending(b *testing.B) {
	ids := make([]string, 1000)
	for i := range ids {
		ids[i] = strconv.Itoa(i * 2)
	}
	b.ReportAllocs()
	for b.Loop() {
		var s idSet
		for _, id := range ids {
			s.add(id)
		}
	}
}
