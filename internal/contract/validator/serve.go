package validator

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"sync"

	"github.com/wacht-platform/serverless-go/internal/contract"
)

// Serve answers the contract.Exchange values read from r with
// contract.Verdict values written to w, checking many at once, until r
// ends. It is what cmd/contract-validator runs on its standard streams.
func Serve(r io.Reader, w io.Writer) error {
	dec := json.NewDecoder(r)
	enc := json.NewEncoder(w)
	var wmu sync.Mutex
	var wg sync.WaitGroup
	defer wg.Wait()
	for {
		var x contract.Exchange
		if err := dec.Decode(&x); err != nil {
			if errors.Is(err, io.EOF) {
				return nil
			}
			return fmt.Errorf("validator: read exchange: %w", err)
		}
		wg.Go(func() {
			v := check(&x)
			wmu.Lock()
			defer wmu.Unlock()
			_ = enc.Encode(v)
		})
	}
}

func check(x *contract.Exchange) contract.Verdict {
	v := contract.Verdict{ID: x.ID}
	c, err := Load(x.Document)
	if err == nil && x.Kind != "load" {
		r, rerr := x.Request()
		switch {
		case rerr != nil:
			err = rerr
		case x.Kind == "request":
			err = c.CheckRequest(r)
		case x.Kind == "response":
			res := x.Response(r)
			err = c.CheckResponse(r, res)
			_ = res.Body.Close()
		default:
			err = fmt.Errorf("validator: exchange %d: unknown kind %q", x.ID, x.Kind)
		}
	}
	var viol *contract.Violation
	switch {
	case errors.As(err, &viol):
		v.Violation = viol
	case err != nil:
		v.Error = err.Error()
	}
	return v
}
