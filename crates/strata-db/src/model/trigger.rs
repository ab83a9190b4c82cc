//! INSTEAD OF triggers of an earlier model's views.
