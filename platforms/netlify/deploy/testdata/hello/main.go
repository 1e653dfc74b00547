// Command hello is a stand-in Go function binary for the deploy tests.
package main

import "fmt"

func main() { fmt.Println("hello") }
