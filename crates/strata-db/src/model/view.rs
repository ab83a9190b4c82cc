//! An earlier model's tables as views.
