package colonies

// Option configures a Client. The options (WithTLS, WithRequestTimeout, ...)
// are generated from the registry's client options; those not given are
// left to the core's defaults.
type Option func(map[string]any)

// marshalOptions gives the options JSON of colonies_client_new: only the
// options given appear in it.
func marshalOptions(opts []Option) (string, error) {
	o := map[string]any{}
	for _, opt := range opts {
		opt(o)
	}
	s, err := encode("client options", o)
	if err != nil {
		return "", err
	}
	return s, nil
}
