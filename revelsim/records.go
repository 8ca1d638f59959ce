package revelsim

import (
	"math"
	"strconv"
)

// The record shapes SeedTenant and the Generator share, without their
// created_date and updated_date, which each caller stamps its own way.

type product struct {
	name  string
	price float64
}

// menu is the seeded tenant's Products 1-6, which the Generator sells too.
var menu = []product{{"Classic Burger", 9.5}, {"Veggie Burger", 10.25}, {"Lemonade", 3.0}, {"Cola", 2.5}, {"Brownie", 4.75}, {"Pumpkin Pie", 5.5}}

// taxRate is a US sales tax, applied per order and per item.
const taxRate = 0.0825

// cents rounds money the way a POS stores it.
func cents(x float64) float64 { return math.Round(x*100) / 100 }

// lineItem is one product on an order.
type lineItem struct {
	product  int // index into menu
	quantity int64
}

// drawItems picks one to three line items.
func (g *gen) drawItems() []lineItem {
	items := make([]lineItem, 1+g.rnd.IntN(3))
	for i := range items {
		items[i] = lineItem{g.rnd.IntN(len(menu)), int64(1 + g.rnd.IntN(2))}
	}
	return items
}

func (it lineItem) sales() float64 { return menu[it.product].price * float64(it.quantity) }

// orderRecord is an Order with the fields a public pipeline inventoried
// on a real tenant (asimbilaladil/pos-analytics-pipeline); o is the
// tenant's running order number, from which the incidental fields derive.
// An open order has its total still due.
func orderRecord(uuid, estURI, user string, o int, items []lineItem, closed, deleted bool, customer any) map[string]any {
	var subtotal float64
	for _, it := range items {
		subtotal += it.sales()
	}
	subtotal = cents(subtotal)
	tax := cents(subtotal * taxRate)
	remaining := 0.0
	if !closed {
		remaining = cents(subtotal + tax)
	}
	station := "/resources/PosStation/" + stationOf(estURI) + "/"
	return map[string]any{
		"uuid": uuid, "establishment": estURI,
		"created_by": user, "updated_by": user, "created_at": station, "last_updated_at": station,
		"closed": closed, "deleted": deleted, "is_unpaid": !closed, "web_order": o%6 == 0, "dining_option": int64(o % 5),
		"pos_mode": "Q", "local_id": strconv.Itoa(57000 + o), "number_of_people": int64(1 + o%4), "customer": customer,
		"subtotal": subtotal, "tax": tax, "final_total": cents(subtotal + tax), "discount_amount": 0.0,
		"discount_total_amount": 0.0, "discount_reason": "", "gratuity": 0.0, "remaining_due": remaining,
		"has_items": true, "has_history": true, "notes": "",
	}
}

// stationOf numbers an establishment's POS station after the establishment.
func stationOf(estURI string) string {
	id, _ := refID(estURI)
	return strconv.FormatInt(id, 10)
}

func itemRecord(uuid, orderURI, estURI, user string, it lineItem, deleted bool, deletedDate any) map[string]any {
	p := menu[it.product]
	return map[string]any{
		"uuid": uuid, "order": orderURI, "establishment": estURI,
		"product": "/resources/Product/" + strconv.Itoa(it.product+1) + "/", "product_name_override": "",
		"quantity": it.quantity, "price": p.price, "pure_sales": cents(it.sales()),
		"tax_amount": cents(it.sales() * taxRate), "modifieritems": []any{},
		"deleted": deleted, "deleted_date": deletedDate, "voided_date": nil, "voided_by": nil,
		"created_by": user, "updated_by": user,
	}
}

func paymentRecord(uuid, orderURI, estURI, user string, o int, amount, tip float64) map[string]any {
	return map[string]any{
		"uuid": uuid, "order": orderURI, "establishment": estURI, "amount": amount,
		"tip": tip, "payment_type": int64(1 + o%3), "refunded": false,
		"refund_transaction_id": nil, "transaction_id": strconv.Itoa(900000 + o),
		"created_by": user, "updated_by": user,
	}
}

var departmentNames = []string{"Service Crew", "Kitchen"}

// roleWages is the hourly wage of roleNames' roles.
var roleWages = []float64{0.0, 15.5, 17.25, 21.0}

// shiftRecord is a TimeSheetEntry shaped like a captured 2018 response
// (a public Revel-to-Tanda integration's notes), for
// employee e, whose role and department follow from e as in SeedTenant.
// clockOut is nil while the shift is open.
func shiftRecord(e int64, userURI, estURI, clockIn string, clockOut any) map[string]any {
	return map[string]any{
		"break_length": nil, "break_type": nil, "clock_in": clockIn, "clock_out": clockOut,
		"created_by": userURI, "department_name": departmentNames[e%2], "employee": employeeURI(e), "establishment": estURI,
		"is_auto_clock_out": nil, "returned_date": nil, "role_name": roleNames[e%4], "role_wage": roleWages[e%4],
		"stage": 0, "updated_by": userURI, "exempt_salaried": false, "remarks": "",
	}
}
