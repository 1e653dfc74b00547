package validator_test

import (
	"errors"
	"fmt"
	"net/http/httptest"

	"github.com/wacht-platform/serverless-go/internal/contract"
	"github.com/wacht-platform/serverless-go/internal/contract/validator"
)

// A request the platform API does not accept is reported as a Violation
// naming what is wrong.
func ExampleDocument_ValidateRequest() {
	doc, err := validator.Platform()
	if err != nil {
		panic(err)
	}
	req := httptest.NewRequest("GET", "https://api.wacht.dev/users?limit=twenty", nil)
	req.Header.Set("Authorization", "Bearer sk_test_example")
	var v *contract.Violation
	err = doc.ValidateRequest(req)
	fmt.Println(errors.As(err, &v), v.Kind, v.Method, v.Path)
	// Output: true request GET /users
}
