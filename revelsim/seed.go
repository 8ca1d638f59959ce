package revelsim

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"strconv"
	"strings"
	"time"
)

// employeeFields is the Employee shape public clients POST to
// /resources/Employee/ (fabacus/node-revel and others), in the order
// employeeValues returns values.
var employeeFields = []string{
	"active", "created_by", "created_date", "email", "employee_card", "employee_end",
	"employee_lastlogin", "employee_start", "establishment", "exempt", "external_id",
	"first_name", "last_name", "phone_number", "picture", "pin", "roles", "updated_by",
	"updated_date", "user", "weekly_wage",
}

var (
	firstNames = []string{"Ana", "Ben", "Chloe", "Diego", "Emma", "Farah", "Gus", "Hana", "Ivan", "Jade",
		"Kofi", "Lena", "Malik", "Nora", "Omar", "Priya", "Quinn", "Rosa", "Sam", "Tariq"}
	lastNames = []string{"Lopez", "Nguyen", "Smith", "Okafor", "Kim", "Garcia", "Rossi", "Khan", "Silva", "Novak",
		"Brown", "Ito", "Haddad", "Moreau", "Jensen", "Patel", "Cohen", "Reyes", "Walsh", "Tan"}
	roleNames = []string{"Cashier", "Cook", "Server", "Shift Manager"}
	// Boxed once: SeedEmployees stores these in a million rows, and boxing
	// a string or slice into an interface allocates.
	firstBoxed, lastBoxed = boxed(firstNames), boxed(lastNames)
	roleURIs              = func() []any {
		out := make([]any, len(roleNames))
		for i := range out {
			out[i] = []any{"/resources/Role/" + strconv.Itoa(i+1) + "/"}
		}
		return out
	}()
)

func boxed(names []string) []any {
	out := make([]any, len(names))
	for i, n := range names {
		out[i] = n
	}
	return out
}

// employeeValues fills dst (in employeeFields order) with one Employee.
// Every 20th employee has left: active=false with employee_end set, since
// Revel deactivates employees instead of deleting them.
func employeeValues(dst []any, id int64, stamp string, establishments int) {
	i := int(id)
	first, last := i%len(firstNames), (i/len(firstNames))%len(lastNames)
	ids := strconv.FormatInt(id, 10)
	st := any(stamp)
	active, end := true, any(nil)
	if id%20 == 0 {
		active, end = false, st
	}
	wage := any(nil)
	if id%10 == 0 {
		wage = 850.0
	}
	lastLogin := any(nil)
	if id%3 != 0 {
		lastLogin = st
	}
	email := strings.ToLower(firstNames[first]+"."+lastNames[last]) + ids + "@example.com"
	copy(dst, []any{
		active, "/enterprise/User/1/", st, email, "", end,
		lastLogin, stamp[:10] + "T00:00:00", "/enterprise/Establishment/" + strconv.Itoa(i%establishments+1) + "/", id%10 == 0, ids,
		firstBoxed[first], lastBoxed[last], "555-01" + strconv.Itoa(10+i%90), nil, strconv.Itoa(1000 + i%9000), roleURIs[i%len(roleURIs)], "/enterprise/User/1/",
		st, "/enterprise/User/" + strconv.Itoa(1000+i) + "/", wage,
	})
}

// SeedEmployees bulk-inserts n Employee records shaped as employeeFields
// (~20 fields; FK URIs name establishments 1-3, roles 1-4 and users that
// need not exist). Record i gets created_date = updated_date =
// updatedFrom + i*step as naive local text, so dates are ascending in
// instant but, across a fall-back, not in text. It bypasses Insert's
// per-row overhead (a million rows take a few seconds and ~1 GB).
func (s *Server) SeedEmployees(n int, updatedFrom time.Time, step time.Duration) {
	s.mu.Lock()
	defer s.mu.Unlock()
	t := s.table("Employee")
	cols := make([]int, len(employeeFields))
	for i, f := range employeeFields {
		cols[i] = t.column(f)
	}
	idCol, uriCol := t.column("id"), t.column("resource_uri")
	vals := make([]any, len(employeeFields))
	t.rows = slices.Grow(t.rows, n)
	for i := range n {
		id := t.nextID // above every id, so appending keeps rows sorted
		t.nextID++
		r := &row{id: id, vals: make([]any, len(t.cols))}
		for c := range r.vals {
			r.vals[c] = absent
		}
		t.put(r, idCol, id)
		t.put(r, uriCol, "/resources/Employee/"+strconv.FormatInt(id, 10)+"/")
		employeeValues(vals, id, s.naive(updatedFrom.Add(time.Duration(i)*step)), 3)
		for j, v := range vals {
			t.put(r, cols[j], v)
		}
		t.rows = append(t.rows, r)
	}
	t.version++
}

// SeedTenant fills s with a small, realistic tenant dated relative to the
// Clock, drawing names and amounts from rnd (nil = a fixed seed):
//
//   - Company 1; Establishments 1-3 (Downtown, Airport, Harbor)
//   - Roles 1-4 (Cashier, Cook, Server, Shift Manager); Departments 1-2
//   - Users 1 (admin) and 2-11; Employees 1-10 (Employee 10 has left:
//     active=false, employee_end set)
//   - 3 TimeSheetEntries per active employee, the latest shifts before now,
//     starting 07:00-16:00 local and 6-9 hours long; every third employee's
//     latest shift is still open (clock_out null) when the local time
//     allows one of 4-9 hours so far (from 11:00 to midnight)
//   - 24 orders taken 11:00-22:00 local, about an hour apart, the latest
//     ten minutes ago
//   - ProductCategories 1-4 (4 inactive), Products 1-6, Customers 1-5
//   - Orders 1-24, 8 per establishment, with 1-3 OrderItems each; orders
//     3, 11 and 19 are open (closed=false), 5, 13 and 21 deleted=true
//     (their items too); one Payment per closed, non-deleted order
//   - 2 upcoming TimeSchedules per active employee
//
// Timestamps mix whole-second and microsecond text, as Revel's do. Call it
// on an empty Server: the ids above are what a fresh Server assigns.
func SeedTenant(s *Server, rnd *rand.Rand) {
	if rnd == nil {
		rnd = rand.New(rand.NewPCG(1, 2))
	}
	g := &gen{s: s, rnd: rnd, now: s.clock()}

	g.insert("Company", 30*24*time.Hour, map[string]any{"name": "Revel Demo Co"})
	estab := []string{"Downtown", "Airport", "Harbor"}
	for _, name := range estab {
		g.insert("Establishment", 30*24*time.Hour, map[string]any{"name": name, "company": "/enterprise/Company/1/",
			"active": true, "time_zone": s.zone.String(), "uuid": g.uuid()})
	}
	for _, name := range roleNames {
		g.insert("Role", 30*24*time.Hour, map[string]any{"name": name, "active": true})
	}
	for _, name := range departmentNames {
		g.insert("Department", 30*24*time.Hour, map[string]any{"name": name, "active": true})
	}
	g.insert("User", 30*24*time.Hour, map[string]any{"username": "admin", "email": "admin@example.com",
		"first_name": "Admin", "last_name": "User", "active": true, "establishment": "/enterprise/Establishment/1/"})

	for e := int64(1); e <= 10; e++ {
		stamp := g.stamp(20*24*time.Hour - time.Duration(e)*time.Hour)
		vals := make([]any, len(employeeFields))
		employeeValues(vals, e, stamp, len(estab))
		fields := map[string]any{}
		for i, f := range employeeFields {
			fields[f] = vals[i]
		}
		user := g.insert("User", 20*24*time.Hour, map[string]any{"username": strings.ToLower(fields["first_name"].(string)) + strconv.FormatInt(e, 10),
			"email": fields["email"], "first_name": fields["first_name"], "last_name": fields["last_name"],
			"active": e != 10, "establishment": fields["establishment"]})
		fields["user"] = "/enterprise/User/" + strconv.FormatInt(user, 10) + "/"
		fields["active"], fields["employee_end"] = e != 10, nil
		if e == 10 {
			fields["employee_end"] = g.stamp(5 * 24 * time.Hour)
		}
		g.s.Insert("Employee", fields)
		if e != 10 {
			g.shifts(e, fields)
		}
	}

	for i, name := range []string{"Burgers", "Drinks", "Desserts", "Seasonal"} {
		g.insert("ProductCategory", 30*24*time.Hour, map[string]any{"name": name, "active": i != 3, "establishment": "/enterprise/Establishment/1/"})
	}
	for i, p := range menu {
		g.insert("Product", 30*24*time.Hour, map[string]any{"name": p.name, "price": p.price, "active": true,
			"category": "/products/ProductCategory/" + strconv.Itoa(i/2+1) + "/", "uuid": g.uuid(), "establishment": "/enterprise/Establishment/1/"})
	}
	for c := range 5 {
		g.insert("Customer", 10*24*time.Hour, map[string]any{"first_name": firstNames[c+10], "last_name": lastNames[c+5],
			"email": strings.ToLower(firstNames[c+10]) + "@example.net", "phone_number": "555-02" + strconv.Itoa(10+c),
			"active": true, "deleted": false, "uuid": g.uuid(), "total_visits": int64(rnd.IntN(20)), "total_purchases": float64(rnd.IntN(50000)) / 100})
	}

	times := orderTimes(g.now, s.zone, 8*len(estab), orderEvery)
	for o := 1; o <= len(times); o++ {
		g.order(o, (o-1)/8+1, times[o-1])
	}
	for e := int64(1); e <= 9; e++ {
		for d := 1; d <= 2; d++ {
			start := localClock(g.now, s.zone, d, staffFrom+rnd.IntN(staffUntil-staffFrom), 0)
			g.insert("TimeSchedule", time.Duration(d)*time.Hour, map[string]any{
				"employee":      employeeURI(e),
				"establishment": "/enterprise/Establishment/" + strconv.FormatInt(e%3+1, 10) + "/",
				"role":          roleURIs[e%4].([]any)[0],
				"start":         g.s.naive(start),
				"end":           g.s.naive(start.Add(8 * time.Hour)),
			})
		}
	}
}

// gen holds SeedTenant's state.
type gen struct {
	s   *Server
	rnd *rand.Rand
	now time.Time
}

// stamp renders now-ago as naive local text; three in four carry
// microseconds, like Revel's mixed precision.
func (g *gen) stamp(ago time.Duration) string {
	t := g.now.Add(-ago).Truncate(time.Second)
	if g.rnd.IntN(4) != 0 {
		t = t.Add(time.Duration(1+g.rnd.IntN(999999)) * time.Microsecond)
	}
	return g.s.naive(t)
}

// insert adds a record created and last updated around now-ago.
func (g *gen) insert(resource string, ago time.Duration, fields map[string]any) int64 {
	fields["created_date"] = g.stamp(ago)
	fields["updated_date"] = g.stamp(ago - time.Minute)
	if _, ok := fields["created_by"]; !ok && resource != "Company" && resource != "Establishment" {
		fields["created_by"], fields["updated_by"] = "/enterprise/User/1/", "/enterprise/User/1/"
	}
	return g.s.Insert(resource, fields)
}

func (g *gen) uuid() string {
	a, b := g.rnd.Uint64(), g.rnd.Uint64()
	return fmt.Sprintf("%08x-%04x-4%03x-%04x-%012x", a>>32, a>>16&0xffff, a&0xfff, b>>48&0x3fff|0x8000, b&0xffffffffffff)
}

func employeeURI(id int64) string { return "/resources/Employee/" + strconv.FormatInt(id, 10) + "/" }

// shifts adds three TimeSheetEntries (shiftRecord's shape) for employee e,
// in staff hours; the newest is still open for every third employee when
// the local day is far enough on. parent is the entry's own URI, as in the
// captured sample.
func (g *gen) shifts(e int64, emp map[string]any) {
	shifts := seedShifts(g.now, g.s.zone, g.rnd, e%3 == 0)
	for i := len(shifts) - 1; i >= 0; i-- {
		sh := shifts[i]
		created := g.stamp(g.now.Sub(sh.in) - time.Minute)
		out, updated := any(nil), created
		if !sh.out.IsZero() {
			out, updated = g.s.naive(sh.out), g.stamp(g.now.Sub(sh.out))
		}
		fields := shiftRecord(e, emp["user"].(string), emp["establishment"].(string), g.s.naive(sh.in), out)
		fields["created_date"], fields["updated_date"] = created, updated
		id := g.s.Insert("TimeSheetEntry", fields)
		g.s.Update("TimeSheetEntry", id, map[string]any{"parent": "/resources/TimeSheetEntry/" + strconv.FormatInt(id, 10) + "/", "updated_date": updated}) //nolint:errcheck // id was just inserted
	}
}

// order adds Order o (orderRecord's shape), taken at at, at establishment
// est with its items and, when closed and not deleted, its payment.
func (g *gen) order(o, est int, at time.Time) {
	estURI := "/enterprise/Establishment/" + strconv.Itoa(est) + "/"
	local := o % 8
	closed, deleted := local != 3, local == 5
	ago := g.now.Sub(at)
	created := g.stamp(ago)
	items := g.drawItems()
	user := "/enterprise/User/" + strconv.Itoa(2+o%9) + "/"
	customer := any(nil)
	if o%4 == 0 {
		customer = "/resources/Customer/" + strconv.Itoa(o%5+1) + "/"
	}
	order := orderRecord(g.uuid(), estURI, user, o, items, closed, deleted, customer)
	order["created_date"], order["updated_date"] = created, g.stamp(ago-7*time.Minute)
	id := g.s.Insert("Order", order)
	orderURI := objectURI("Order", id)
	for _, it := range items {
		deletedDate := any(nil)
		if deleted {
			deletedDate = g.stamp(ago - 5*time.Minute)
		}
		item := itemRecord(g.uuid(), orderURI, estURI, user, it, deleted, deletedDate)
		item["created_date"], item["updated_date"] = created, g.stamp(ago-6*time.Minute)
		g.s.Insert("OrderItem", item)
	}
	if closed && !deleted {
		payment := paymentRecord(g.uuid(), orderURI, estURI, user, o, order["final_total"].(float64), float64(g.rnd.IntN(300))/100)
		payment["payment_date"], payment["created_date"], payment["updated_date"] = g.stamp(ago-6*time.Minute), g.stamp(ago-6*time.Minute), g.stamp(ago-6*time.Minute)
		g.s.Insert("Payment", payment)
	}
}
