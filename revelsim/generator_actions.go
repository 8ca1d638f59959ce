package revelsim

import (
	"strconv"
	"strings"
)

// The Generator's actions. Each either makes its change and describes it,
// or reports that the tenant offers nothing to act on.

func (st *step) update(resource string, id int64, fields map[string]any) {
	if err := st.s.Update(resource, id, fields); err != nil {
		// Only a Delete by someone else between pick and here gets here;
		// the change is lost, which a generator can afford.
		st.s.logf("revelsim: generator: %v", err)
	}
}

func (st *step) staffUser() string {
	return "/enterprise/User/" + strconv.Itoa(2+st.rnd.IntN(10)) + "/"
}

func isOpenOrder(field func(string) any) bool {
	return field("closed") == false && field("deleted") != true
}

func (st *step) openOrder() (Change, bool) {
	est := "/enterprise/Establishment/" + strconv.Itoa(1+st.rnd.IntN(max(1, st.s.Count("Establishment")))) + "/"
	o := st.s.Count("Order") + 1
	customer := any(nil)
	if n := st.s.Count("Customer"); n > 0 && st.rnd.IntN(4) == 0 {
		customer = objectURI("Customer", int64(1+st.rnd.IntN(n)))
	}
	user, items := st.staffUser(), st.drawItems()
	id := st.s.Insert("Order", orderRecord(st.uuid(), est, user, o, items, false, false, customer))
	for _, it := range items {
		st.s.Insert("OrderItem", itemRecord(st.uuid(), objectURI("Order", id), est, user, it, false, nil))
	}
	return Change{"insert", "Order", id, "order opened with " + strconv.Itoa(len(items)) + " items"}, true
}

func (st *step) addItem() (Change, bool) {
	id, ok := st.pick("Order", isOpenOrder)
	if !ok {
		return Change{}, false
	}
	order, _ := st.s.Get("Order", id)
	it := lineItem{st.rnd.IntN(len(menu)), 1}
	est, _ := order["establishment"].(string)
	user, _ := order["updated_by"].(string)
	st.s.Insert("OrderItem", itemRecord(st.uuid(), objectURI("Order", id), est, user, it, false, nil))
	subtotal, _ := order["subtotal"].(float64)
	subtotal = cents(subtotal + it.sales())
	total := cents(subtotal + cents(subtotal*taxRate))
	st.update("Order", id, map[string]any{"subtotal": subtotal, "tax": cents(subtotal * taxRate), "final_total": total, "remaining_due": total})
	return Change{"update", "Order", id, "added " + menu[it.product].name}, true
}

func (st *step) payOrder() (Change, bool) {
	id, ok := st.pick("Order", isOpenOrder)
	if !ok {
		return Change{}, false
	}
	order, _ := st.s.Get("Order", id)
	est, _ := order["establishment"].(string)
	user, _ := order["updated_by"].(string)
	total, _ := order["final_total"].(float64)
	st.update("Order", id, map[string]any{"closed": true, "is_unpaid": false, "remaining_due": 0.0})
	payment := paymentRecord(st.uuid(), objectURI("Order", id), est, user, int(id), total, float64(st.rnd.IntN(500))/100)
	payment["payment_date"] = st.s.naive(st.now)
	p := st.s.Insert("Payment", payment)
	return Change{"update", "Order", id, "paid and closed (Payment " + strconv.FormatInt(p, 10) + ")"}, true
}

// voidOrder is Revel's soft delete: the order and its items stay, flagged
// deleted=true.
func (st *step) voidOrder() (Change, bool) {
	id, ok := st.pick("Order", isOpenOrder)
	if !ok {
		return Change{}, false
	}
	orderURI := objectURI("Order", id)
	st.update("Order", id, map[string]any{"deleted": true})
	for _, item := range st.matching("OrderItem", func(field func(string) any) bool { return field("order") == orderURI }) {
		st.update("OrderItem", item, map[string]any{"deleted": true, "deleted_date": st.s.naive(st.now)})
	}
	return Change{"update", "Order", id, "voided (deleted=true)"}, true
}

func (st *step) refundPayment() (Change, bool) {
	id, ok := st.pick("Payment", func(field func(string) any) bool { return field("refunded") == false })
	if !ok {
		return Change{}, false
	}
	payment, _ := st.s.Get("Payment", id)
	tx, _ := payment["transaction_id"].(string)
	st.update("Payment", id, map[string]any{"refunded": true, "refund_transaction_id": "R" + tx})
	return Change{"update", "Payment", id, "refunded"}, true
}

// clockIn starts a shift, in staff hours only.
func (st *step) clockIn() (Change, bool) {
	if !inHours(st.now, st.s.zone, staffFrom, staffUntil) {
		return Change{}, false
	}
	onShift := map[any]bool{}
	for _, id := range st.matching("TimeSheetEntry", func(field func(string) any) bool { return field("clock_out") == nil }) {
		entry, _ := st.s.Get("TimeSheetEntry", id)
		onShift[entry["employee"]] = true
	}
	e, ok := st.pick("Employee", func(field func(string) any) bool {
		return field("active") == true && !onShift[field("resource_uri")]
	})
	if !ok {
		return Change{}, false
	}
	emp, _ := st.s.Get("Employee", e)
	user, _ := emp["user"].(string)
	est, _ := emp["establishment"].(string)
	now := st.s.naive(st.now)
	id := st.s.Insert("TimeSheetEntry", shiftRecord(e, user, est, now, nil))
	// parent is the entry itself, as in captured TimeSheetEntry responses
	// (a public Revel-to-Tanda integration's notes); keeping updated_date
	// equal to created_date keeps the entry a creation.
	entry, _ := st.s.Get("TimeSheetEntry", id)
	st.update("TimeSheetEntry", id, map[string]any{"parent": objectURI("TimeSheetEntry", id), "updated_date": entry["created_date"]})
	return Change{"insert", "TimeSheetEntry", id, "employee " + strconv.FormatInt(e, 10) + " clocked in"}, true
}

// clockOut ends a shift that has lasted minShift: shifts last hours, so
// one clocked in while a demo runs stays open unless it runs that long.
func (st *step) clockOut() (Change, bool) {
	now, _ := parseNaive(st.s.naive(st.now))
	id, ok := st.pick("TimeSheetEntry", func(field func(string) any) bool {
		in, _ := field("clock_in").(string)
		at, ok := parseNaive(in)
		return field("clock_out") == nil && ok && now-at >= minShift.Microseconds()
	})
	if !ok {
		return Change{}, false
	}
	st.update("TimeSheetEntry", id, map[string]any{"clock_out": st.s.naive(st.now), "is_auto_clock_out": false})
	return Change{"update", "TimeSheetEntry", id, "clocked out"}, true
}

// deletePunch hard-deletes a finished shift, as a manager removing a
// mistaken punch does: TimeSheetEntry has no active or deleted field, so
// Revel keeps no trace of it (only its timesheet.deleted webhook tells), and
// a poller never sees this one.
func (st *step) deletePunch() (Change, bool) {
	id, ok := st.pick("TimeSheetEntry", func(field func(string) any) bool { return field("clock_out") != nil })
	if !ok {
		return Change{}, false
	}
	if err := st.s.Delete("TimeSheetEntry", id); err != nil {
		return Change{}, false
	}
	return Change{"delete", "TimeSheetEntry", id, "mistaken punch removed"}, true
}

func (st *step) hire() (Change, bool) {
	n := int64(1 + st.rnd.IntN(len(firstNames)*len(lastNames)))
	vals := make([]any, len(employeeFields))
	employeeValues(vals, n, st.s.naive(st.now), max(1, st.s.Count("Establishment")))
	fields := map[string]any{}
	for i, f := range employeeFields {
		fields[f] = vals[i]
	}
	user := st.s.Insert("User", map[string]any{"username": strings.ToLower(fields["first_name"].(string)) + strconv.FormatInt(n, 10),
		"email": fields["email"], "first_name": fields["first_name"], "last_name": fields["last_name"],
		"active": true, "establishment": fields["establishment"]})
	fields["user"] = objectURI("User", user)
	fields["active"], fields["employee_end"], fields["employee_lastlogin"] = true, nil, nil
	delete(fields, "created_date") // Insert stamps both with the same instant
	delete(fields, "updated_date")
	id := st.s.Insert("Employee", fields)
	return Change{"insert", "Employee", id, "hired " + fields["first_name"].(string) + " " + fields["last_name"].(string)}, true
}

func (st *step) editEmployee() (Change, bool) {
	id, ok := st.pick("Employee", func(field func(string) any) bool { return field("active") == true })
	if !ok {
		return Change{}, false
	}
	phone := "555-03" + strconv.Itoa(10+st.rnd.IntN(90))
	st.update("Employee", id, map[string]any{"phone_number": phone})
	return Change{"update", "Employee", id, "phone number changed"}, true
}

// deactivate is how an employee leaves: Revel cannot delete employees.
func (st *step) deactivate() (Change, bool) {
	id, ok := st.pick("Employee", func(field func(string) any) bool { return field("active") == true })
	if !ok {
		return Change{}, false
	}
	st.update("Employee", id, map[string]any{"active": false, "employee_end": st.s.naive(st.now)})
	return Change{"update", "Employee", id, "left (active=false)"}, true
}
