package revelsim_test

import (
	"fmt"
	"io"
	"net/http"

	"github.com/revel-connect/revel-connect/revelsim"
)

// Start a simulated tenant on loopback and fetch the first page of
// Employees changed since midnight, as a poller would.
func Example() {
	sim := revelsim.New(revelsim.Options{APIKey: "key", APISecret: "secret"})
	sim.Insert("Employee", map[string]any{"first_name": "Ana", "updated_date": "2026-06-01T00:21:19"})
	sim.Insert("Employee", map[string]any{"first_name": "Ben", "updated_date": "2026-06-01T00:25:02.637840"})
	base, err := sim.Start("") // 127.0.0.1 on an ephemeral port
	if err != nil {
		panic(err)
	}
	defer sim.Close()

	req, _ := http.NewRequest(http.MethodGet,
		base+"/resources/Employee/?updated_date__gte=2026-06-01T00:00:00&fields=id,first_name,updated_date&limit=1", nil)
	req.Header.Set("API-AUTHENTICATION", "key:secret")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		panic(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	fmt.Println(resp.StatusCode)
	fmt.Println(string(body))
	// Output:
	// 200
	// {"meta": {"limit": 1, "next": "/resources/Employee/?updated_date__gte=2026-06-01T00%3A00%3A00&fields=id%2Cfirst_name%2Cupdated_date&limit=1&offset=1", "offset": 0, "previous": null, "time_zone": "America/Los_Angeles", "total_count": 2}, "objects": [{"first_name": "Ana", "id": 1, "updated_date": "2026-06-01T00:21:19"}]}
}
