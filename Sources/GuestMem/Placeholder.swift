package enum GuestMemVersion {}
