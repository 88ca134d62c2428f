package mapi

import (
	"bytes"
	"context"
	"encoding/json"
	"net/url"
	"strconv"
)

// storePageSize is the page size asked of GET /v2/stores; the docs show
// 2000. maxStorePages stops a server that keeps announcing more pages.
const (
	storePageSize = 2000
	maxStorePages = 100
)

// listAnswer reads {"content":[...],"page":{...}} and, tolerantly, a bare array.
type listAnswer[T any] struct {
	Content []T
	Page    *Page
}

func (l *listAnswer[T]) UnmarshalJSON(b []byte) error {
	if t := bytes.TrimSpace(b); len(t) > 0 && t[0] == '[' {
		return json.Unmarshal(t, &l.Content)
	}
	var w struct {
		Content []T   `json:"content"`
		Page    *Page `json:"page"`
	}
	if err := json.Unmarshal(b, &w); err != nil {
		return err
	}
	l.Content, l.Page = w.Content, w.Page
	return nil
}

// Stores lists the stores the credentials may use (GET /v2/stores), following
// pages when the answer announces more than one.
func (cl *Client) Stores(ctx context.Context) ([]Store, error) {
	var all []Store
	for page := 0; page < maxStorePages; page++ {
		var ans listAnswer[Store]
		_, err := cl.do(ctx, call{
			op: "Stores", method: "GET", route: "GET /v2/stores", path: "/v2/stores", safe: true,
			query: url.Values{"size": {strconv.Itoa(storePageSize)}, "page": {strconv.Itoa(page)}},
		}, &ans)
		if err != nil {
			return nil, err
		}
		all = append(all, ans.Content...)
		if p := ans.Page; p == nil || len(ans.Content) == 0 || p.Number+1 >= p.TotalPages {
			break
		}
	}
	return all, nil
}

// PaymentMethods lists the store's payment methods
// (GET /v2/stores/{storeId}/payment_methods). With an amount, Resurs leaves
// out methods whose purchase limits exclude it.
func (cl *Client) PaymentMethods(ctx context.Context, storeID string, amount *Decimal) ([]PaymentMethod, error) {
	const op = "PaymentMethods"
	if err := validateID(op, [2]string{"storeId", storeID}); err != nil {
		return nil, err
	}
	var q url.Values
	if amount != nil {
		if err := checkAmount(op, *amount); err != nil {
			return nil, err
		}
		q = url.Values{"amount": {amount.String()}}
	}
	var ans listAnswer[PaymentMethod]
	_, err := cl.do(ctx, call{
		op: op, method: "GET", route: "GET /v2/stores/{storeId}/payment_methods",
		path: "/v2/stores/" + seg(storeID) + "/payment_methods", query: q, safe: true,
	}, &ans)
	return ans.Content, err
}

// PriceSignage returns the monthly costs of a part-payment method for amount
// (GET .../payment_methods/{methodId}/price_signage?amount=).
func (cl *Client) PriceSignage(ctx context.Context, storeID, methodID string, amount Decimal) (*PriceSignage, error) {
	const op = "PriceSignage"
	if err := validateID(op, [2]string{"storeId", storeID}, [2]string{"paymentMethodId", methodID}); err != nil {
		return nil, err
	}
	if err := checkAmount(op, amount); err != nil {
		return nil, err
	}
	var ps PriceSignage
	_, err := cl.do(ctx, call{
		op: op, method: "GET", route: "GET /v2/stores/{storeId}/payment_methods/{methodId}/price_signage",
		path:  "/v2/stores/" + seg(storeID) + "/payment_methods/" + seg(methodID) + "/price_signage",
		query: url.Values{"amount": {amount.String()}}, safe: true,
	}, &ps)
	if err != nil {
		return nil, err
	}
	return &ps, nil
}

// AnnuityFactors returns the annuity factors of a part-payment method
// (GET .../payment_methods/{methodId}/annuity_factors).
func (cl *Client) AnnuityFactors(ctx context.Context, storeID, methodID string) ([]AnnuityFactor, error) {
	const op = "AnnuityFactors"
	if err := validateID(op, [2]string{"storeId", storeID}, [2]string{"paymentMethodId", methodID}); err != nil {
		return nil, err
	}
	var ans listAnswer[AnnuityFactor]
	_, err := cl.do(ctx, call{
		op: op, method: "GET", route: "GET /v2/stores/{storeId}/payment_methods/{methodId}/annuity_factors",
		path: "/v2/stores/" + seg(storeID) + "/payment_methods/" + seg(methodID) + "/annuity_factors", safe: true,
	}, &ans)
	return ans.Content, err
}

// GetAddress looks up the address registered for a government id
// (POST /v2/customers/address/by_government_id). It is a read and may be retried.
func (cl *Client) GetAddress(ctx context.Context, req GetAddressRequest) (*Address, error) {
	const op = "GetAddress"
	var v checker
	v.required("storeId", req.StoreID)
	v.required("governmentId", req.GovernmentID)
	v.required("customerType", string(req.CustomerType))
	if err := v.err(op); err != nil {
		return nil, err
	}
	var ans struct {
		Address *Address `json:"address"`
	}
	body, err := cl.do(ctx, call{
		op: op, method: "POST", route: "POST /v2/customers/address/by_government_id",
		path: "/v2/customers/address/by_government_id", body: req, safe: true,
	}, &ans)
	if err != nil {
		return nil, err
	}
	if ans.Address == nil { // tolerate an unwrapped address
		ans.Address = new(Address)
		if err := json.Unmarshal(body, ans.Address); err != nil || ans.Address.AddressRow1 == "" {
			return nil, &Error{Op: op, Message: "no address in answer", Body: excerpt(body), Err: err}
		}
	}
	return ans.Address, nil
}

// checkAmount refuses an amount MAPI cannot take.
func checkAmount(op string, d Decimal) error {
	var v checker
	v.decimal("amount", d)
	if d < 0 {
		v.add("amount", "must not be negative")
	}
	return v.err(op)
}
