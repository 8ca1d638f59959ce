package revelsim

import "strings"

// resource describes one simulated endpoint. The filter whitelist mirrors
// Tastypie's Meta.filtering: fields outside it answer 400, which is how a
// client learns that Revel will not filter on them (Tastypie answers "The
// 'x' field does not allow filtering.").
type resource struct {
	prefix     string          // "/resources/", "/enterprise/" or "/products/"
	name       string          // case-sensitive PascalCase, e.g. "TimeSheetEntry"
	filterable map[string]bool // Tastypie filtering whitelist
	// defaultActive hides inactive rows unless the request filters on
	// active, as Revel's ProductCategory list does (observed by
	// asimbilaladil/pos-analytics-pipeline).
	defaultActive bool
}

// base is the whitelist every resource gets; the brief's "others" rule.
const base = "id created_date updated_date establishment "

var resources = []*resource{
	res("/resources/", "Employee", "id created_date updated_date user active establishment"),
	res("/resources/", "TimeSheetEntry", "id establishment employee clock_in created_date updated_date"),
	res("/resources/", "TimeSchedule", base+"employee"),
	res("/resources/", "Order", "id establishment created_date updated_date closed deleted uuid customer"),
	res("/resources/", "OrderItem", base+"order product uuid"),
	res("/resources/", "OrderHistory", base+"order"),
	res("/resources/", "Payment", "id establishment order created_date updated_date uuid"),
	res("/resources/", "Customer", base+"active uuid email"),
	res("/resources/", "Role", base+"active"),
	res("/resources/", "Department", base+"active"),
	res("/resources/", "Product", base+"active uuid"),
	res("/enterprise/", "Establishment", "id created_date updated_date active"),
	res("/enterprise/", "User", base+"active"),
	res("/enterprise/", "Company", "id created_date updated_date"),
	{prefix: "/products/", name: "ProductCategory", filterable: fieldSet(base + "active"), defaultActive: true},
}

func res(prefix, name, filterable string) *resource {
	return &resource{prefix: prefix, name: name, filterable: fieldSet(filterable)}
}

func fieldSet(list string) map[string]bool {
	m := make(map[string]bool)
	for _, f := range strings.Fields(list) {
		m[f] = true
	}
	return m
}

// uri is the list path, which is also the prefix of every object's
// resource_uri and of meta.next/previous.
func (r *resource) uri() string { return r.prefix + r.name + "/" }
