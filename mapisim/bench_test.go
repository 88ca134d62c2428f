package mapisim_test

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"testing"

	"github.com/kassa-dev/kassa/mapisim"
)

// BenchmarkCreateSignGet measures create + sign + get over loopback HTTP,
// in parallel, with callbacks to a receiver.
func BenchmarkCreateSignGet(b *testing.B) {
	e := newEnv(b, mapisim.Options{})
	body, _ := json.Marshal(e.createReq("198305147715"))
	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 256}}
	call := func(method, path string, in []byte) []byte {
		req, _ := http.NewRequest(method, e.srv.URL+path, bytes.NewReader(in))
		req.Header.Set("Authorization", "Bearer "+e.token)
		resp, err := client.Do(req)
		if err != nil {
			b.Fatal(err)
		}
		out, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		return out
	}
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			var p struct{ ID string }
			if err := json.Unmarshal(call("POST", "/v2/payments", body), &p); err != nil || p.ID == "" {
				b.Fatal("create failed", err)
			}
			if _, err := e.sim.Sign(p.ID, mapisim.Approve); err != nil {
				b.Fatal(err)
			}
			call("GET", "/v2/payments/"+p.ID, nil)
		}
	})
	b.StopTimer()
	e.sim.Flush()
}
