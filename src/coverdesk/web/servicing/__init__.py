"""The clerk's servicing (保全) pages: intake, documents and the one-time notice, fee calculation
shown line by line, customer confirmation, approval, endorsement and cancellation with refund."""
