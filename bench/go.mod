module github.com/wacht-platform/serverless-go/bench

go 1.26.0

replace github.com/wacht-platform/serverless-go => ../

require (
	github.com/aws/aws-lambda-go v1.55.1
	github.com/awslabs/aws-lambda-go-api-proxy v0.16.2
	github.com/wacht-platform/serverless-go v0.0.0-00010101000000-000000000000
)

require (
	github.com/awslabs/goformation/v7 v7.14.9 // indirect
	gopkg.in/yaml.v3 v3.0.1 // indirect
)
