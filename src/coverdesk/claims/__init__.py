"""claims: first notice of loss, incidents and accident response, materials, survey, assessment,
adjudication, reserves, approval by authority, settlement and payment (issue 5)."""
