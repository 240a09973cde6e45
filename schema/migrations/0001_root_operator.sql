-- The principal behind the bootstrap operator key (the OPERATOR_KEY Worker secret).
INSERT INTO principals (id, kind, name, organisation, service_level) VALUES ('opr_root', 'operator', 'Bootstrap operator', 'Infrastructure operator', 'enterprise');
