// The Kubernetes API client lives here (issue 3).
