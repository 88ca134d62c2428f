package sqlite_test

import (
	"context"
	"errors"
	"testing"

	"github.com/kassa-dev/kassa"
)

// Errors of the shared methods name the store in their Op.
func TestErrorOp(t *testing.T) {
	db := mustOpen(t, ":memory:")
	ctx := context.Background()
	_, err := db.Order(ctx, 999)
	var ke *kassa.Error
	if !errors.As(err, &ke) || ke.Code != kassa.ENOTFOUND || ke.Op != "sqlite.Order(999)" {
		t.Errorf("Order(999) = %#v, want ENOTFOUND with Op sqlite.Order(999)", err)
	}
	err = db.PutProduct(ctx, kassa.Product{SKU: "A", Name: "a", Price: 1})
	if err == nil {
		err = db.PutProduct(ctx, kassa.Product{SKU: "A", Name: "a", Price: -1})
	}
	if !errors.As(err, &ke) || ke.Code != kassa.EINVALID || ke.Op != `sqlite.PutProduct("A")` {
		t.Errorf("PutProduct = %#v, want EINVALID with Op sqlite.PutProduct(\"A\")", err)
	}
}
