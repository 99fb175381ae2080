"""Cases: what a person should look at, and what their decision sets off. A match, a
conversation alert or a user report becomes a request (intake), joins the open case about
the same content, account or conversation or opens one (service, evidence), is worked by a
reviewer who holds it (leases, queue), and its decision writes its consequences in the same
transaction (consequences). The package owns its tables (tables.py)."""
