package wacht

// Version is the version of this kit. It is sent in the User-Agent of every
// request the kit makes, so Wacht can tell which SDK called.
const Version = "0.1.0"

// UserAgent is the User-Agent header value the kit sends.
const UserAgent = "wacht-serverless-go/" + Version
