"""The 1111 Government Complaint Center (ศูนย์รับเรื่องราวร้องทุกข์ของรัฐบาล 1111)."""
