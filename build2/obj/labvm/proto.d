build2/obj/labvm/proto.o: labvm/proto.c labvm/proto.h
labvm/proto.h:
