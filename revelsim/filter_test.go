package revelsim_test

import (
	"net/url"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/revel-connect/revel-connect/revelsim"
)

// orders inserts Orders 1-5 and then 10 and 9 out of order (explicit ids),
// with dates written at mixed precision.
func orders(t *testing.T) *revelsim.Server {
	t.Helper()
	s := revelsim.New(revelsim.Options{})
	est := func(n string) string { return "/enterprise/Establishment/" + n + "/" }
	rows := []map[string]any{
		{"establishment": est("26"), "updated_date": "2026-06-01T10:00:07", "closed": true, "deleted": false, "uuid": "AbC-1", "customer": nil, "notes": "x"},
		{"establishment": est("27"), "updated_date": "2026-06-01T10:00:07.500000", "closed": false, "deleted": false, "uuid": "abc-2", "customer": "/resources/Customer/5/"},
		{"establishment": est("26"), "updated_date": "2026-06-01T10:00:08.25", "closed": true, "deleted": true, "uuid": "xyz-3", "customer": "/resources/Customer/6/"},
		{"establishment": est("26"), "updated_date": "2026-06-02T00:00:00", "closed": true, "deleted": false, "uuid": "XYZ-4", "customer": nil},
		{"establishment": est("28"), "updated_date": "2026-05-31T23:59:59.999999", "closed": false, "deleted": false, "uuid": "q-5", "customer": nil},
		{"id": 10, "establishment": est("29"), "updated_date": "2026-06-03T12:00:00", "closed": false, "deleted": false, "uuid": "q-10", "customer": nil},
		{"id": 9, "establishment": est("29"), "updated_date": "2026-06-03T12:00:00", "closed": false, "deleted": false, "uuid": "q-9", "customer": nil},
	}
	for _, r := range rows {
		s.Insert("Order", r)
	}
	return s
}

func TestFilters(t *testing.T) {
	s := orders(t)
	cases := []struct {
		query string
		want  []int64
	}{
		{"", []int64{1, 2, 3, 4, 5, 9, 10}}, // primary-key order despite insertion order
		{"format=json", []int64{1, 2, 3, 4, 5, 9, 10}},
		{"bogus=1&updated_date_gte=2030-01-01", []int64{1, 2, 3, 4, 5, 9, 10}}, // not fields: ignored, as Tastypie does

		// Foreign keys: bare integer or URI.
		{"establishment=26", []int64{1, 3, 4}},
		{"establishment=" + url.QueryEscape("/enterprise/Establishment/26/"), []int64{1, 3, 4}},
		{"establishment__in=26,27", []int64{1, 2, 3, 4}},
		{"establishment__in=26&establishment__in=28", []int64{1, 3, 4, 5}},
		{"customer=5", []int64{2}},
		{"customer__isnull=true", []int64{1, 4, 5, 9, 10}},
		{"customer__isnull=false", []int64{2, 3}},
		{"customer=None", []int64{1, 4, 5, 9, 10}},

		// Booleans.
		{"closed=true", []int64{1, 3, 4}},
		{"closed=False", []int64{2, 5, 9, 10}},
		{"deleted=1", []int64{3}},
		{"closed=false&deleted=false&establishment=29", []int64{9, 10}},

		// Text lookups.
		{"uuid=abc-2", []int64{2}},
		{"uuid__exact=abc-2", []int64{2}},
		{"uuid__iexact=ABC-1", []int64{1}},
		{"uuid__contains=bc", []int64{2}},
		{"uuid__icontains=BC", []int64{1, 2}},
		{"uuid__startswith=xyz", []int64{3}},
		{"uuid__istartswith=xyz", []int64{3, 4}},
		{"uuid__iendswith=Z-4", []int64{4}},
		{"uuid__in=q-9,abc-2", []int64{2, 9}},

		// Naive datetimes compare as wall-clock times, whatever the precision.
		{"updated_date=2026-06-01T10:00:07.5", []int64{2}},
		{"updated_date=2026-06-01T10:00:07.000", []int64{1}},
		{"updated_date__gt=2026-06-01T10:00:07", []int64{2, 3, 4, 9, 10}},
		{"updated_date__gte=2026-06-01T10:00:07.000000", []int64{1, 2, 3, 4, 9, 10}},
		{"updated_date__lt=2026-06-01T10:00:07.5", []int64{1, 5}},
		{"updated_date__lte=2026-06-01T10:00:07.50", []int64{1, 2, 5}},
		{"updated_date__lt=2026-06-01T10:00:08.250001", []int64{1, 2, 3, 5}},
		{"updated_date__gte=2026-06-02", []int64{4, 9, 10}}, // date only = midnight
		{"updated_date__lt=2026-06-01", []int64{5}},
		{"updated_date__gte=2026-06-01+10:00:08", []int64{3, 4, 9, 10}}, // space separator
		{"updated_date__range=2026-06-01T10:00:07.5,2026-06-02T00:00:00", []int64{2, 3, 4}},
		{"updated_date__gte=2026-06-01T00:00:00&updated_date__lt=2026-06-02T00:00:00", []int64{1, 2, 3}},

		// ids compare numerically ("10" < "9" as text) and combine with other filters.
		{"id__gt=9", []int64{10}},
		{"id__gte=4&id__lt=10", []int64{4, 5, 9}},
		{"id__lte=2", []int64{1, 2}},
		{"id=3", []int64{3}},
		{"id__exact=10", []int64{10}},
		{"id__range=2,4", []int64{2, 3, 4}},
		{"id__in=10,1", []int64{1, 10}},
		{"id__gt=5&closed=false", []int64{9, 10}},
		{"id__gt=4&id__lt=4", nil},
		{"id__isnull=true", nil},
	}
	for _, c := range cases {
		path := "/resources/Order/?" + c.query
		env := list(t, s, path)
		wantIDs(t, path, ids(env), c.want...)
		if env.Meta.TotalCount != len(c.want) {
			t.Errorf("%s: total_count %d, want %d", path, env.Meta.TotalCount, len(c.want))
		}
	}
}

func TestFilterErrors(t *testing.T) {
	s := orders(t)
	s.Insert("Employee", map[string]any{"first_name": "Ana", "establishment": "/enterprise/Establishment/1/"})
	mismatch := "Invalid resource lookup data provided (mismatched type)."
	for query, msg := range map[string]string{
		"/resources/Order/?notes=x":                                 "The 'notes' field does not allow filtering.",
		"/resources/Order/?notes__icontains=x":                      "The 'notes' field does not allow filtering.",
		"/resources/Employee/?first_name=Ana":                       "The 'first_name' field does not allow filtering.",
		"/resources/Order/?updated_date__foo=1":                     "The 'updated_date' field does not support relations.",
		"/resources/Order/?establishment__name=x":                   "Lookups are not allowed more than one level deep on the 'establishment' field.",
		"/resources/Order/?updated_date__gte=yesterday":             mismatch,
		"/resources/Order/?updated_date__gte=2026-06-01T00:00:00Z":  mismatch, // UTC is not what Revel takes
		"/resources/Order/?updated_date__gte=2026-02-30T00:00:00":   mismatch,
		"/resources/Order/?updated_date__range=2026-06-01":          mismatch,
		"/resources/Order/?id=abc":                                  mismatch,
		"/resources/Order/?closed=maybe":                            mismatch,
		"/resources/Order/?establishment=downtown":                  mismatch,
		"/resources/Order/?customer__isnull=perhaps":                mismatch,
		"/resources/Employee/?establishment__gte=" + "not-a-number": mismatch,
	} {
		wantError(t, s, query, msg)
	}
}

func TestFieldsProjection(t *testing.T) {
	s := orders(t)
	env := list(t, s, "/resources/Order/?fields=uuid,id,nope&closed=true&limit=2")
	if env.Meta.TotalCount != 3 || env.Meta.Limit != 2 || len(env.Objects) != 2 {
		t.Fatalf("meta %+v with %d objects", env.Meta, len(env.Objects))
	}
	for _, o := range env.Objects {
		var keys []string
		for k := range o {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		if strings.Join(keys, ",") != "id,uuid" {
			t.Errorf("projected keys %v", keys)
		}
	}
}

func TestOrdering(t *testing.T) {
	clock := &fakeClock{t: time.Date(2026, 6, 1, 17, 0, 0, 0, time.UTC)}
	load := func(mode revelsim.OrderingMode) *revelsim.Server {
		s := revelsim.New(revelsim.Options{Ordering: mode, Clock: clock.Now})
		for _, d := range []string{"2026-06-01T10:00:00", "2026-06-01T09:00:00.5", "2026-06-01T11:00:00", "2026-06-01T09:00:00.25"} {
			s.Insert("Employee", map[string]any{"updated_date": d})
		}
		return s
	}
	allowed := load(revelsim.OrderingAllowed)
	for query, want := range map[string][]int64{
		"order_by=updated_date":                  {4, 2, 1, 3},
		"order_by=-updated_date":                 {3, 1, 2, 4},
		"order_by=-id":                           {4, 3, 2, 1},
		"order_by=id":                            {1, 2, 3, 4},
		"order_by=created_date":                  {1, 2, 3, 4}, // all equal: ties by id
		"order_by=-created_date&order_by=-id":    {4, 3, 2, 1},
		"order_by=-updated_date&id__gt=1":        {3, 2, 4},
		"order_by=updated_date&limit=2&offset=2": {1, 3},
	} {
		path := "/resources/Employee/?" + query
		wantIDs(t, path, ids(list(t, allowed, path)), want...)
	}
	wantError(t, allowed, "/resources/Employee/?order_by=first_name", "No matching 'first_name' field for ordering on.")

	rejected := load(revelsim.OrderingRejected)
	wantError(t, rejected, "/resources/Employee/?order_by=id", "No matching 'id' field for ordering on.")
	wantError(t, rejected, "/resources/Employee/?order_by=-updated_date", "No matching 'updated_date' field for ordering on.")
	wantIDs(t, "rejected, no order_by", ids(list(t, rejected, "/resources/Employee/")), 1, 2, 3, 4)

	ignored := load(revelsim.OrderingIgnored)
	wantIDs(t, "ignored", ids(list(t, ignored, "/resources/Employee/?order_by=-updated_date")), 1, 2, 3, 4)
	wantIDs(t, "ignored bad field", ids(list(t, ignored, "/resources/Employee/?order_by=first_name")), 1, 2, 3, 4)
}

func TestOrderingNullsLast(t *testing.T) {
	s := revelsim.New(revelsim.Options{})
	s.Insert("TimeSheetEntry", map[string]any{"updated_date": nil})
	s.Insert("TimeSheetEntry", map[string]any{"updated_date": "2026-06-01T10:00:00"})
	wantIDs(t, "asc", ids(list(t, s, "/resources/TimeSheetEntry/?order_by=updated_date")), 2, 1)
	wantIDs(t, "desc", ids(list(t, s, "/resources/TimeSheetEntry/?order_by=-updated_date")), 1, 2)
}

func TestProductCategoryDefaultsToActive(t *testing.T) {
	s := revelsim.New(revelsim.Options{})
	s.Insert("ProductCategory", map[string]any{"name": "Burgers", "active": true})
	s.Insert("ProductCategory", map[string]any{"name": "Seasonal", "active": false})
	s.Insert("ProductCategory", map[string]any{"name": "Legacy"}) // no active field: not hidden
	wantIDs(t, "default", ids(list(t, s, "/products/ProductCategory/")), 1, 3)
	wantIDs(t, "active=false", ids(list(t, s, "/products/ProductCategory/?active=false")), 2)
	wantIDs(t, "active__in", ids(list(t, s, "/products/ProductCategory/?active__in=true,false")), 1, 2)
	// Employees have no such default.
	s.Insert("Employee", map[string]any{"active": false})
	wantIDs(t, "employees", ids(list(t, s, "/resources/Employee/")), 1)
}

// Filtered row lists are cached between pages; every write must show.
func TestFilterCacheSeesWrites(t *testing.T) {
	s := revelsim.New(revelsim.Options{})
	s.Insert("Order", map[string]any{"closed": true})
	s.Insert("Order", map[string]any{"closed": false})
	const path = "/resources/Order/?closed=true&limit=1"
	wantIDs(t, "initial", ids(list(t, s, path+"&offset=0")), 1)
	if err := s.Update("Order", 2, map[string]any{"closed": true}); err != nil {
		t.Fatal(err)
	}
	wantIDs(t, "after update", ids(list(t, s, path+"&offset=1")), 2)
	if err := s.Delete("Order", 1); err != nil {
		t.Fatal(err)
	}
	wantIDs(t, "after delete", ids(list(t, s, path+"&offset=0")), 2)
	s.Insert("Order", map[string]any{"closed": true})
	if env := list(t, s, path+"&offset=1"); env.Meta.TotalCount != 2 || ids(env)[0] != 3 {
		t.Errorf("after insert: %v of %d", ids(env), env.Meta.TotalCount)
	}
}
