package main

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestProductsCLI: while the shop runs, a file with a bad row changes
// nothing and names the row; a good one is sold at once; an export
// imports back unchanged.
func TestProductsCLI(t *testing.T) {
	dir := t.TempDir()
	base, _, stop := startServe(t, "--data", dir, "--admin-password", "secret-pw")
	defer stop()
	products := func(args ...string) (string, error) {
		var out, errw bytes.Buffer
		err := run(context.Background(), append([]string{"products", "--data", dir}, args...), &out, &errw)
		return out.String() + errw.String(), err
	}
	file := func(name, text string) string {
		p := filepath.Join(t.TempDir(), name)
		if err := os.WriteFile(p, []byte(text), 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}
	before, err := products("export")
	if err != nil || !strings.HasPrefix(before, "sku,name,description,price,vatRate,stock,active,imageUrl\n") {
		t.Fatalf("export: %v\n%s", err, before)
	}
	_, err = products("import", file("bad.csv", "sku,name,price,vatRate,stock\nTEA-1,Tea,49.00,12,10\nBOOK-001,Book,-5,6,1\n"))
	if err == nil || !strings.Contains(err.Error(), "line 3: price") || !strings.Contains(err.Error(), "nothing was changed") {
		t.Fatalf("import of a bad file: %v", err)
	}
	if after, _ := products("export"); after != before {
		t.Fatalf("a refused import changed the catalog:\n%s", after)
	}
	out, err := products("import", file("good.csv", "sku,name,price,vatRate,stock\nTEA-1,Tea,49.00,12,10\n"))
	if err != nil || !strings.Contains(out, "imported 1 products") {
		t.Fatalf("import: %v\n%s", err, out)
	}
	resp, err := http.Get(base + "/api/products")
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if !strings.Contains(string(body), `"sku": "TEA-1"`) {
		t.Fatalf("the running shop does not sell the imported product:\n%s", body)
	}
	exported, err := products("export")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := products("import", file("export.csv", exported)); err != nil {
		t.Fatal(err)
	}
	if again, _ := products("export"); again != exported {
		t.Fatalf("export → import → export differs:\n%s\nwant:\n%s", again, exported)
	}
	for _, bad := range [][]string{{}, {"import"}, {"export", "x"}, {"delete", "x"}, {"import", filepath.Join(dir, "nope.csv")}} {
		if out, err := products(bad...); err == nil {
			t.Errorf("products %q: no error\n%s", bad, out)
		}
	}
}
