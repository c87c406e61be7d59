"""Dev emulator of Naver Cloud Platform SENS (Kakao 알림톡 and SMS/LMS): see ``server.py``."""
