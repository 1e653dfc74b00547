// Command contract-validator checks HTTP exchanges against Wacht's
// corrected OpenAPI documents for the kit's tests. It reads
// contract.Exchange values as JSON from standard input and writes one
// contract.Verdict per exchange to standard output, exiting when its input
// ends. Package contract starts it; nobody needs to run it by hand.
package main

import (
	"fmt"
	"os"

	"github.com/wacht-platform/serverless-go/internal/contract/validator"
)

func main() {
	if err := validator.Serve(os.Stdin, os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "contract-validator:", err)
		os.Exit(1)
	}
}
