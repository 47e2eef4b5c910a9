//! End-to-end tests driving the directory with OpenLDAP's ldapsearch.
